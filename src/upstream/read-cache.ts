import { Trigger, type Cancellation } from '../core/cancellation.js';

/**
 * The read cache of one provider: answers of upstream GETs kept `ttlMs`, keyed by path and query.
 * The gateway's own writes invalidate every entry under the written collection, and a read that
 * started before a write never stores its (possibly older) answer after it: each write moves an
 * epoch on, and a read stores only if the epoch it started in is still current.
 */
export class ReadCache<T> {
  readonly #entries = new Map<string, { value: T; expires: number }>();
  #epoch = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  get epoch(): number {
    return this.#epoch;
  }

  get(key: string): T | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Stores `value` unless a write happened since `epoch` (the read's start). */
  set(key: string, value: T, epoch: number): void {
    if (epoch !== this.#epoch || this.ttlMs <= 0) return;
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expires: this.now() + this.ttlMs });
  }

  /** A write under `prefix` (a path): drops what it may have changed. */
  invalidate(prefix: string): void {
    this.#epoch += 1;
    for (const key of this.#entries.keys()) if (key.startsWith(prefix)) this.#entries.delete(key);
  }
}

interface InFlight<T> {
  promise: Promise<T>;
  /** Fired when every caller waiting for it has gone away. */
  abandoned: Trigger;
  /** Callers still waiting for it. */
  waiting: number;
}

/**
 * Identical concurrent reads share one call: the first starts it, the others join. The shared
 * call is abandoned (its Cancellation fires) only when every caller waiting for it has gone away;
 * a caller that goes away gets `onAbandon()`'s error at once.
 */
export class Coalescer<T> {
  readonly #inflight = new Map<string, InFlight<T>>();

  constructor(private readonly onAbandon: () => Error) {}

  /** The call for `key`, started by `start` unless one is already in flight (`joined`). */
  run(
    key: string,
    start: (abandoned: Trigger) => Promise<T>,
    caller?: Cancellation,
  ): { promise: Promise<T>; joined: boolean } {
    if (caller?.aborted) return { promise: Promise.reject(this.onAbandon()), joined: false };
    let entry = this.#inflight.get(key);
    const joined = entry !== undefined;
    if (!entry) {
      const abandoned = new Trigger();
      const created: InFlight<T> = { promise: Promise.resolve() as Promise<T>, abandoned, waiting: 0 };
      created.promise = start(abandoned).finally(() => {
        if (this.#inflight.get(key) === created) this.#inflight.delete(key);
      });
      this.#inflight.set(key, created);
      entry = created;
    }
    const shared = entry;
    shared.waiting += 1;
    if (!caller) return { promise: shared.promise, joined };
    const promise = new Promise<T>((resolve, reject) => {
      const stopListening = caller.onAbort(() => {
        shared.waiting -= 1;
        if (shared.waiting === 0) {
          // Nobody wants the answer any more: stop the call, and let the next reader start afresh.
          if (this.#inflight.get(key) === shared) this.#inflight.delete(key);
          shared.abandoned.fire();
        }
        reject(this.onAbandon());
      });
      shared.promise.then(
        (v) => {
          stopListening();
          resolve(v);
        },
        (e: unknown) => {
          stopListening();
          reject(e as Error);
        },
      );
    });
    return { promise, joined };
  }
}
