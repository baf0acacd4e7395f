import type { AttemptLines } from '../core/adapter.js';

/**
 * The attempt lines of one request (AttemptLines): its one answered upstream attempt is written
 * as the `upstream` field of the request's own line, one line where a proxied read used to write
 * two; a second attempt writes the first as its own line and itself too; an attempt that ends
 * after the request's line was written (a shared read the request left) writes its own.
 */
export class AccessLine implements AttemptLines {
  #upstream: Readonly<Record<string, unknown>> | null = null;
  #write: (() => void) | null = null;
  #attempts = 0;
  #closed = false;

  take(fields: Readonly<Record<string, unknown>>, write: () => void): boolean {
    if (this.#closed) return false;
    this.#attempts += 1;
    if (this.#attempts === 1) {
      this.#upstream = fields;
      this.#write = write;
      return true;
    }
    this.#flush();
    return false;
  }

  /** The fields the request's line carries (its one attempt), if any; nothing is taken after this. */
  close(): Readonly<Record<string, unknown>> | null {
    this.#closed = true;
    return this.#upstream;
  }

  #flush(): void {
    const write = this.#write;
    this.#upstream = null;
    this.#write = null;
    write?.();
  }
}
