/**
 * A clock for the upstream policies that moves only when told: a wait between attempts moves it
 * at once by the time asked (recorded in `waits`), so tests of backoff, Retry-After, the token
 * bucket and the breaker's open time never wait for real.
 */
export class FakeClock {
  t = Date.now();
  readonly waits: number[] = [];

  readonly now = (): number => this.t;

  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    this.waits.push(ms);
    this.t += ms;
    return Promise.resolve();
  };

  advance(ms: number): void {
    this.t += ms;
  }
}
