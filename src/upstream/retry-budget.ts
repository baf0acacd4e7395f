import { TokenBucket } from './token-bucket.js';

/**
 * A retry budget (as in Finagle and gRPC): every request deposits `ratio` of a retry, every retry
 * withdraws one, and a small reserve that refills over time (a token bucket of `reservePerSecond`)
 * lets a quiet provider still retry. When a provider fails broadly, retries stay at about `ratio`
 * of requests instead of multiplying the load on it.
 */
export class RetryBudget {
  #balance = 0;
  readonly #reserve: TokenBucket;

  constructor(
    private readonly ratio: number,
    reservePerSecond: number,
    now: () => number,
  ) {
    this.#reserve = new TokenBucket(reservePerSecond, reservePerSecond, now);
  }

  /** A request was made (its first attempt). */
  deposit(): void {
    this.#balance = Math.min(this.#balance + this.ratio, 1000);
  }

  /** Takes one retry from the budget; false when there is none to take. */
  withdraw(): boolean {
    if (this.#balance >= 1) {
      this.#balance -= 1;
      return true;
    }
    return this.#reserve.take() === 0;
  }
}
