/**
 * The read cache of one provider: answers of upstream GETs kept `ttlMs`, keyed by path and query.
 * The gateway's own writes invalidate every entry under the written collection, and a read that
 * started before a write never stores its (possibly older) answer after it: each write moves an
 * epoch on, and a read stores only if the epoch it started in is still current.
 */
export class ReadCache<T> {
  readonly #entries = new Map<string, { value: T; expires: number }>();
  #epoch = 0;

  constructor(private readonly ttlMs: number, private readonly maxEntries: number, private readonly now: () => number) {}

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

/** Identical concurrent reads share one call: the first starts it, the others join. */
export class Coalescer<T> {
  readonly #inflight = new Map<string, Promise<T>>();

  /** The call for `key`, started by `start` unless one is already in flight (`joined`). */
  run(key: string, start: () => Promise<T>): { promise: Promise<T>; joined: boolean } {
    const existing = this.#inflight.get(key);
    if (existing) return { promise: existing, joined: true };
    const promise = start().finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, promise);
    return { promise, joined: false };
  }
}
