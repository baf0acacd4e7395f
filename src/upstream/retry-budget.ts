/**
 * A retry budget (as in Finagle and gRPC): every request deposits `ratio` of a retry, every retry
 * withdraws one, and a small reserve that refills over time lets a quiet provider still retry. When
 * a provider fails broadly, retries stay at about `ratio` of requests instead of multiplying the
 * load on it.
 */
export class RetryBudget {
  #balance: number;
  #reserve: number;
  #updated: number;

  constructor(private readonly ratio: number, private readonly reservePerSecond: number, private readonly now: () => number) {
    this.#balance = 0;
    this.#reserve = reservePerSecond;
    this.#updated = now();
  }

  /** A request was made (its first attempt). */
  deposit(): void {
    this.#balance = Math.min(this.#balance + this.ratio, 1000);
  }

  /** Takes one retry from the budget; false when there is none to take. */
  withdraw(): boolean {
    const t = this.now();
    this.#reserve = Math.min(this.reservePerSecond, this.#reserve + ((t - this.#updated) / 1000) * this.reservePerSecond);
    this.#updated = t;
    if (this.#balance >= 1) {
      this.#balance -= 1;
      return true;
    }
    if (this.#reserve >= 1) {
      this.#reserve -= 1;
      return true;
    }
    return false;
  }
}
