import type { CallContext } from './adapter.js';

/**
 * "The caller went away", as the upstream engine listens for it on every call. An AbortSignal
 * says the same, but Node's costs ~4 µs to make and as much again per listener added and removed
 * (measured here), twice per proxied read; this is a flag and a list.
 */
export interface Cancellation {
  readonly aborted: boolean;
  /** Calls `fn` once when it fires (never when it already has: look at `aborted` first); the function returned takes it back. */
  onAbort(fn: () => void): () => void;
}

const NOTHING = (): void => {};

/** A Cancellation fired by its owner, with an AbortSignal made on first use for whoever needs one. */
export class Trigger implements Cancellation {
  #fired = false;
  #listeners: Array<() => void> | null = null;
  #controller: AbortController | null = null;

  get aborted(): boolean {
    return this.#fired;
  }

  onAbort(fn: () => void): () => void {
    if (this.#fired) return NOTHING;
    (this.#listeners ??= []).push(fn);
    return () => {
      const i = this.#listeners?.indexOf(fn) ?? -1;
      if (i >= 0) this.#listeners?.splice(i, 1);
    };
  }

  fire(): void {
    if (this.#fired) return;
    this.#fired = true;
    const listeners = this.#listeners;
    this.#listeners = null;
    for (const fn of listeners ?? []) fn();
    this.#controller?.abort();
  }

  /** The same event as an AbortSignal (for an API that takes one). */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#fired) this.#controller.abort();
    }
    return this.#controller.signal;
  }
}

/** The call's Cancellation: its own (`cancel`), else its AbortSignal's, else none. */
export function cancellationOf(ctx: Pick<CallContext, 'cancel' | 'signal'>): Cancellation | undefined {
  if (ctx.cancel) return ctx.cancel;
  const signal = ctx.signal;
  if (!signal) return undefined;
  return {
    get aborted() {
      return signal.aborted;
    },
    onAbort(fn) {
      signal.addEventListener('abort', fn, { once: true });
      return () => signal.removeEventListener('abort', fn);
    },
  };
}
