import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { CommonProviderConfig } from '../config.js';
import { CallAborted } from './call-aborted.js';
import { CircuitBreaker, type BreakerConfig, type CircuitState } from './circuit-breaker.js';
import { upstreamMetrics, type UpstreamMetrics } from './metrics.js';
import { Coalescer, ReadCache } from './read-cache.js';
import { RetryBudget } from './retry-budget.js';
import { TokenBucket } from './token-bucket.js';
import {
  DEFAULT_MAX_BODY_BYTES,
  undiciTransport,
  type Transport,
  type TransportResponse,
} from './transport.js';

/**
 * One policy per provider entry, built once from its config by the gateway and shared by every
 * client of that provider (Auth0's token client and API client alike): the transport, timeouts and
 * deadline, retries and their budget, the circuit breaker, the token bucket, the read cache and
 * coalescing, and their metrics. Adapters never see it; their UpstreamClient does.
 */

export interface UpstreamSettings {
  /** Per attempt. */
  timeoutMs: number;
  /** For the whole call, retries and waits included. */
  deadlineMs: number;
  retry: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  /** Retries are at most `ratio` of requests, plus `reservePerSecond` so a quiet provider can still retry. */
  retryBudget: { ratio: number; reservePerSecond: number };
  circuitBreaker: BreakerConfig | null;
  rateLimit: { requestsPerSecond: number; burst: number } | null;
  /** Read cache; 0 = off. */
  cacheTtlMs: number;
  /** Connections per origin. */
  connections: number;
  maxBodyBytes: number;
}

export const UPSTREAM_DEFAULTS: UpstreamSettings = {
  timeoutMs: 10_000,
  deadlineMs: 20_000,
  retry: { attempts: 3, baseDelayMs: 25, maxDelayMs: 250 },
  retryBudget: { ratio: 0.2, reservePerSecond: 10 },
  circuitBreaker: { failureThreshold: 5, failureRate: 0.5, window: 20, openMs: 30_000 },
  rateLimit: null,
  cacheTtlMs: 0,
  connections: 64,
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
};

/** A provider entry's resilience settings with the defaults filled in. */
export function upstreamSettings(config: CommonProviderConfig): UpstreamSettings {
  const d = UPSTREAM_DEFAULTS;
  const timeoutMs = config.timeoutMs ?? d.timeoutMs;
  const cb = config.circuitBreaker;
  const rl = config.rateLimit;
  return {
    timeoutMs,
    deadlineMs: config.deadlineMs ?? Math.max(d.deadlineMs, timeoutMs),
    retry: {
      attempts: config.retry?.attempts ?? d.retry.attempts,
      baseDelayMs: config.retry?.baseDelayMs ?? d.retry.baseDelayMs,
      maxDelayMs: config.retry?.maxDelayMs ?? d.retry.maxDelayMs,
    },
    retryBudget: d.retryBudget,
    circuitBreaker:
      cb?.enabled === false
        ? null
        : {
            failureThreshold: cb?.failureThreshold ?? d.circuitBreaker!.failureThreshold,
            failureRate: cb?.failureRate ?? d.circuitBreaker!.failureRate,
            window: cb?.window ?? d.circuitBreaker!.window,
            openMs: cb?.openMs ?? d.circuitBreaker!.openMs,
          },
    rateLimit:
      rl?.requestsPerSecond !== undefined
        ? {
            requestsPerSecond: rl.requestsPerSecond,
            burst: rl.burst ?? Math.max(1, Math.ceil(rl.requestsPerSecond)),
          }
        : null,
    cacheTtlMs: config.cache?.ttlMs ?? d.cacheTtlMs,
    connections: config.connections ?? d.connections,
    maxBodyBytes: d.maxBodyBytes,
  };
}

export interface PolicyDeps {
  logger: Logger;
  /** Where the upstream metrics go (none when absent). */
  metrics?: Registry | undefined;
  /** Milliseconds since the epoch; tests pass a fake clock. */
  now?: (() => number) | undefined;
  /** Waits between attempts; tests pass one that moves a fake clock. */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  /** Another transport (tests); by default an undici Agent of the policy's own. */
  transport?: Transport | undefined;
}

export interface CachedAnswer {
  response: TransportResponse;
  body: unknown;
}

export class UpstreamPolicy {
  readonly settings: UpstreamSettings;
  readonly transport: Transport;
  readonly breaker: CircuitBreaker | null;
  readonly limiter: TokenBucket | null;
  readonly budget: RetryBudget;
  readonly cache: ReadCache<CachedAnswer> | null;
  readonly coalescer: Coalescer<CachedAnswer>;
  /** Moves on with every write through this policy: a read in flight before a write is not shared with readers after it. */
  generation = 0;
  readonly metrics: UpstreamMetrics | null;
  readonly log: Logger;
  readonly now: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(
    readonly providerId: string,
    settings: UpstreamSettings,
    deps: PolicyDeps,
  ) {
    this.settings = settings;
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? sleep;
    this.log = deps.logger.child({ provider: providerId });
    this.metrics = deps.metrics ? upstreamMetrics(deps.metrics) : null;
    this.transport =
      deps.transport ??
      undiciTransport({ connections: settings.connections, maxBodyBytes: settings.maxBodyBytes });
    const circuit = this.metrics?.circuit;
    circuit?.set({ provider: providerId }, 0);
    this.breaker = settings.circuitBreaker
      ? new CircuitBreaker(settings.circuitBreaker, this.now, (s) => {
          circuit?.set({ provider: providerId }, s === 'closed' ? 0 : s === 'half_open' ? 1 : 2);
          this.log.warn({ circuit: s }, 'circuit breaker');
        })
      : null;
    this.limiter = settings.rateLimit
      ? new TokenBucket(settings.rateLimit.requestsPerSecond, settings.rateLimit.burst, this.now)
      : null;
    this.budget = new RetryBudget(
      settings.retryBudget.ratio,
      settings.retryBudget.reservePerSecond,
      this.now,
    );
    this.coalescer = new Coalescer<CachedAnswer>(() => new CallAborted());
    this.cache =
      settings.cacheTtlMs > 0 ? new ReadCache<CachedAnswer>(settings.cacheTtlMs, 10_000, this.now) : null;
  }

  #writeListener: ((prefix: string) => void) | null = null;

  /**
   * The gateway wrote under `prefix`: cached reads there are dropped, reads in flight are not joined
   * any more. A write made here is also told to the listener (other replicas); one heard from
   * another replica (`elsewhere`) is not told again.
   */
  wrote(prefix: string, elsewhere = false): void {
    this.generation += 1;
    this.cache?.invalidate(prefix);
    if (!elsewhere) this.#writeListener?.(prefix);
  }

  /** Who hears of this process's writes (the other replicas, through storage). */
  onWrite(listener: (prefix: string) => void): void {
    this.#writeListener = listener;
  }

  get circuit(): CircuitState {
    return this.breaker?.state ?? 'closed';
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

/** Waits `ms`, or less if `signal` fires (then rejects). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
