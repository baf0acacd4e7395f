import type { CallContext } from '../core/adapter.js';
import { GatewayError } from '../core/errors.js';
import { attempt, type CallTarget } from './attempt.js';
import { isUnwell, type ProviderHealth } from './breaker-guard.js';
import { CallAborted } from './call-aborted.js';
import { throttled, timedOut, tooLarge, unreachable } from './errors.js';
import type { UpstreamPolicy } from './policy.js';
import { parseBody, type EncodedBody, type UpstreamRequest } from './request.js';
import { retryAfterSeconds } from '../core/retry-after.js';
import { TransportError, type HeaderBag, type TransportResponse } from './transport.js';

/** Methods a retry cannot repeat the effect of; POST and PATCH are sent again only when they provably never left. */
const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE']);
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

export interface UpstreamAuth {
  /** Headers that authenticate one call (may fetch a token). */
  headers(ctx: CallContext): Promise<Record<string, string>> | Record<string, string>;
  /**
   * Drop cached credentials after a 401; the call is then sent once more with fresh headers.
   * Receives the headers that were refused, so a late 401 never drops credentials fetched since.
   */
  invalidate?(refused: Record<string, string>): void;
}

export interface UpstreamFailure {
  status: number;
  headers: HeaderBag;
  /** Parsed JSON when the body was JSON, else the text (possibly empty). */
  body: unknown;
}

/** How a provider's client authenticates and words its failures. */
export interface CallRules {
  auth: UpstreamAuth;
  /** Turns a non-2xx upstream answer into the contract error. */
  mapError: (failure: UpstreamFailure) => GatewayError;
}

/** A call's auth headers, all of them it was sent with (a 401 fetches fresh ones): what scrub.ts removes from its errors. */
export interface UsedAuth {
  headers: Record<string, string>;
}

/**
 * The attempts of one call: the limiter before each; a 401 fetches fresh credentials and sends
 * once more (not counted as an attempt); retries where safe (idempotent methods on 408/429/5xx,
 * timeouts and lost answers; any method when it provably never left), with full-jitter backoff,
 * never sooner than a `Retry-After`, within the provider's retry budget and the call's deadline.
 * Resolves with the first answer below 400; `health` tells the breaker what the attempts found.
 */
export async function attempts(
  policy: UpstreamPolicy,
  rules: CallRules,
  ctx: CallContext,
  req: UpstreamRequest,
  target: CallTarget,
  encoded: EncodedBody,
  used: UsedAuth,
  health: ProviderHealth,
): Promise<TransportResponse> {
  const { settings, providerId } = policy;
  const deadline = policy.now() + settings.deadlineMs;
  let auth = used.headers;
  let reauthorized = false;
  policy.budget.deposit();
  let last: GatewayError | undefined;
  for (let n = 1; ; n += 1) {
    const wait = policy.limiter?.take() ?? 0;
    if (wait > 0) {
      // A retry that would break the provider's budget is not sent: the caller gets the failure it retried.
      throw last ?? throttled(providerId, wait);
    }
    const remaining = deadline - policy.now();
    const timeoutMs = Math.max(1, Math.min(settings.timeoutMs, remaining));
    let retryReason: string;
    let waitAtLeast = 0;
    try {
      health.attempted = true;
      const res = await attempt(policy, ctx, req, target, encoded, auth, timeoutMs, n);
      health.unwell = isUnwell(res.status);
      if (res.status === 401 && !req.anonymous && rules.auth.invalidate && !reauthorized) {
        // The token may have expired in between: fetch a fresh one and send once more.
        reauthorized = true;
        rules.auth.invalidate(auth);
        auth = await rules.auth.headers(ctx);
        used.headers = { ...used.headers, ...auth };
        n -= 1;
        continue;
      }
      if (res.status < 400) return res;
      last = rules.mapError({ status: res.status, headers: res.headers, body: parseBody(res.text) });
      if (!RETRY_STATUSES.has(res.status) || !IDEMPOTENT.has(req.method)) throw last;
      const asked =
        res.status === 429 || res.status === 503 ? retryAfterSeconds(res.headers, policy.now()) : undefined;
      if (asked !== undefined) {
        waitAtLeast = asked * 1000;
        // Never sooner than the provider asked; asked to wait past the deadline → the caller gets it at once.
        if (waitAtLeast >= deadline - policy.now()) throw last;
      }
      retryReason = String(res.status);
    } catch (e) {
      if (e instanceof GatewayError || e instanceof CallAborted || !(e instanceof TransportError)) throw e;
      if (e.kind === 'too_large') {
        health.unwell = false;
        throw tooLarge(providerId);
      }
      health.unwell = true;
      last =
        e.kind === 'timeout'
          ? timedOut(providerId, Math.min(settings.timeoutMs, remaining))
          : unreachable(providerId, e);
      // A POST or PATCH is sent again only when it provably never left (the connection was never made).
      if (!IDEMPOTENT.has(req.method) && e.kind !== 'connect') throw last;
      retryReason = e.kind;
    }
    if (n >= settings.retry.attempts) throw last;
    const left = deadline - policy.now();
    const backoff =
      Math.random() * Math.min(settings.retry.maxDelayMs, settings.retry.baseDelayMs * 2 ** (n - 1));
    const delay = Math.max(waitAtLeast, backoff);
    if (delay >= left || left <= 1) throw last;
    if (!policy.budget.withdraw()) {
      if (policy.metrics) policy.metrics.retries.labels(providerId, 'budget_exhausted').inc();
      throw last;
    }
    if (policy.metrics) policy.metrics.retries.labels(providerId, retryReason).inc();
    try {
      await policy.sleep(delay, ctx.signal);
    } catch {
      throw new CallAborted();
    }
  }
}
