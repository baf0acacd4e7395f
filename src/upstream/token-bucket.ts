/**
 * A token bucket: `burst` tokens, refilled at `perSecond`. `take()` spends one or says how long
 * until one is there. Keeps the gateway inside a provider's request budget (`rateLimit`).
 */
export class TokenBucket {
  #tokens: number;
  #updated: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.#tokens = burst;
    this.#updated = now();
  }

  /** Spends a token: 0 when one was there, else the milliseconds until one will be. */
  take(): number {
    const t = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((t - this.#updated) / 1000) * this.perSecond);
    this.#updated = t;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) / this.perSecond) * 1000);
  }
}
