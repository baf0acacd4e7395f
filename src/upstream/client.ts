import type { CallContext } from '../core/adapter.js';
import { GatewayError } from '../core/errors.js';
import type { CallTarget } from './attempt.js';
import { guarded } from './breaker-guard.js';
import type { CachedAnswer, UpstreamPolicy } from './policy.js';
import { readThrough } from './read.js';
import { collectionOf, encodeBody, parseBody, queryString, type UpstreamRequest } from './request.js';
import { attempts, type CallRules, type UsedAuth } from './retry.js';
import { scrubSecrets } from './scrub.js';
import type { HeaderBag, TransportResponse } from './transport.js';

/**
 * The one way an adapter talks to its upstream: a composition of the engine's stages. A GET reads
 * through the cache and coalescing (read.ts); every call fetches its credentials, passes the
 * circuit breaker (breaker-guard.ts), runs its attempts with their retries (retry.ts: limiter,
 * re-auth, backoff, budget, deadline; attempt.ts: one log line and metric each), and comes out with
 * every secret it carried scrubbed from its error (scrub.ts); a write drops the cached reads of the
 * collection it touched. Each call is counted and timed by provider and operation.
 */

export interface UpstreamClientOptions extends CallRules {
  policy: UpstreamPolicy;
  baseUrl: string;
}

export interface UpstreamResponse<T> {
  status: number;
  headers: HeaderBag;
  body: T;
}

export interface UpstreamClient {
  call<T = unknown>(ctx: CallContext, req: UpstreamRequest): Promise<UpstreamResponse<T>>;
}

export function createUpstreamClient(opts: UpstreamClientOptions): UpstreamClient {
  const { policy } = opts;
  const base = new URL(opts.baseUrl.replace(/\/+$/, ''));
  const origin = base.origin;
  const basePath = base.pathname.replace(/\/+$/, '');
  const m = policy.metrics;

  /** Credentials, breaker, attempts; a failure comes out without the secrets the call carried. */
  async function send(
    ctx: CallContext,
    req: UpstreamRequest,
    target: CallTarget,
  ): Promise<TransportResponse> {
    const used: UsedAuth = { headers: {} };
    try {
      // First the credentials: fetching a token is itself a call to the provider through this policy
      // (and, while the circuit is half-open, the probe that closes it).
      used.headers = req.anonymous ? {} : await opts.auth.headers(ctx);
      const encoded = encodeBody(req);
      return await guarded(policy, (health) =>
        attempts(policy, opts, ctx, req, target, encoded, used, health),
      );
    } catch (e) {
      throw e instanceof GatewayError ? scrubSecrets(e, req.secrets, used.headers) : e;
    }
  }

  const fetchAnswer = async (
    ctx: CallContext,
    req: UpstreamRequest,
    target: CallTarget,
  ): Promise<CachedAnswer> => {
    const response = await send(ctx, req, target);
    return { response, body: parseBody(response.text) };
  };

  return {
    async call<T>(ctx: CallContext, req: UpstreamRequest): Promise<UpstreamResponse<T>> {
      const target: CallTarget = { origin, path: basePath + req.path + queryString(req.query) };
      const started = performance.now();
      try {
        let answer: CachedAnswer;
        if (req.method === 'GET') {
          answer = await readThrough(policy, ctx, target.path, (callCtx) =>
            fetchAnswer(callCtx, req, target),
          );
        } else {
          try {
            answer = await fetchAnswer(ctx, req, target);
          } finally {
            // Even a failed write may have been applied: what was cached there is stale either way.
            policy.wrote(collectionOf(basePath + req.path));
          }
        }
        if (m) m.calls.labels(policy.providerId, req.operation, 'ok').inc();
        return { status: answer.response.status, headers: answer.response.headers, body: answer.body as T };
      } catch (e) {
        if (m)
          m.calls
            .labels(policy.providerId, req.operation, e instanceof GatewayError ? e.code : 'aborted')
            .inc();
        throw e;
      } finally {
        if (m)
          m.duration.labels(policy.providerId, req.operation).observe((performance.now() - started) / 1000);
      }
    },
  };
}
