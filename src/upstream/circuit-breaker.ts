import type { CircuitState } from '../core/adapter.js';

export type { CircuitState };

export interface BreakerConfig {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** Share of failures among the last `window` calls that opens it (once `window` calls were seen). */
  failureRate: number;
  window: number;
  /** How long it stays open before one probe is let through. */
  openMs: number;
}

/**
 * A circuit breaker per provider. Closed: calls go through; `failureThreshold` failures in a row,
 * or a failure rate over the last `window` calls, open it. Open: calls are refused at once for
 * `openMs`. Half-open: one probe goes through; its success closes the circuit, its failure opens it
 * again. Failures are what says the provider is unwell (no answer, timeouts, 5xx), never a 4xx.
 */
export class CircuitBreaker {
  #state: CircuitState = 'closed';
  #consecutive = 0;
  #recent: boolean[] = [];
  #openedAt = 0;
  #probing = false;

  constructor(
    private readonly config: BreakerConfig,
    private readonly now: () => number,
    private readonly onChange: (s: CircuitState) => void = () => {},
  ) {}

  get state(): CircuitState {
    if (this.#state === 'open' && this.now() - this.#openedAt >= this.config.openMs) this.#set('half_open');
    return this.#state;
  }

  /** 0 when a call may go now (a half-open probe is claimed), else the milliseconds until the circuit lets one through. */
  acquire(): number {
    const state = this.state;
    if (state === 'closed') return 0;
    if (state === 'half_open' && !this.#probing) {
      this.#probing = true;
      return 0;
    }
    // Open: until it half-opens. Half-open with a probe out: soon, once the probe has answered.
    return state === 'open' ? Math.max(1, this.config.openMs - (this.now() - this.#openedAt)) : 1000;
  }

  success(): void {
    this.#record(true);
    this.#consecutive = 0;
    if (this.#state === 'half_open') {
      this.#probing = false;
      this.#recent = [];
      this.#set('closed');
    }
  }

  failure(): void {
    this.#record(false);
    this.#consecutive += 1;
    if (this.#state === 'half_open') {
      this.#probing = false;
      this.#open();
      return;
    }
    if (this.#state !== 'closed') return;
    const failures = this.#recent.filter((ok) => !ok).length;
    const rateTripped =
      this.#recent.length >= this.config.window && failures / this.#recent.length >= this.config.failureRate;
    if (this.#consecutive >= this.config.failureThreshold || rateTripped) this.#open();
  }

  /** A call that was let through ended without telling anything about the provider (e.g. the caller left). */
  release(): void {
    if (this.#state === 'half_open') this.#probing = false;
  }

  #record(ok: boolean): void {
    this.#recent.push(ok);
    if (this.#recent.length > this.config.window) this.#recent.shift();
  }

  #open(): void {
    this.#openedAt = this.now();
    this.#recent = [];
    this.#set('open');
  }

  #set(s: CircuitState): void {
    if (s === this.#state) return;
    this.#state = s;
    this.onChange(s);
  }
}
