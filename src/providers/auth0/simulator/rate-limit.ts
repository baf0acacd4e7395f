import type { MiddlewareHandler } from 'hono';
import type { SimEnv } from '../../../simulator/kit.js';
import { apiError } from './errors.js';

export interface Auth0RateLimit {
  /** Requests allowed per window (per tenant, every Management API route). */
  limit: number;
  /** Fixed window length in seconds, aligned to the epoch; `x-ratelimit-reset` is its end. */
  windowSec: number;
}

export const DEFAULT_RATE_LIMIT: Auth0RateLimit = { limit: 1000, windowSec: 60 };

/** The Management API's request budget: a fixed window, `x-ratelimit-*` headers on every answer, 429 once spent. */
export class RateLimiter {
  #rateLimit: Auth0RateLimit;
  #windowStart = Number.NaN;
  #used = 0;
  readonly #now: () => number;

  constructor(rateLimit: Auth0RateLimit, now: () => number) {
    this.#rateLimit = { ...rateLimit };
    this.#now = now;
  }

  /** Replaces the budget and restarts the window. */
  set(rateLimit: Auth0RateLimit): void {
    this.#rateLimit = { ...rateLimit };
    this.#windowStart = Number.NaN;
    this.#used = 0;
  }

  middleware(): MiddlewareHandler<SimEnv> {
    return async (c, next) => {
      const { limit, windowSec } = this.#rateLimit;
      const ws = Math.floor(this.#now() / 1000 / windowSec) * windowSec;
      if (ws !== this.#windowStart) {
        this.#windowStart = ws;
        this.#used = 0;
      }
      this.#used += 1;
      const headers = {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': String(Math.max(0, limit - this.#used)),
        'x-ratelimit-reset': String(ws + windowSec),
      };
      if (this.#used > limit) apiError(429, 'Global limit has been reached', 'too_many_requests', headers);
      await next();
      for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
    };
  }
}
