import type { CallContext } from '../core/adapter.js';
import { cancellationOf } from '../core/cancellation.js';
import type { CachedAnswer, UpstreamPolicy } from './policy.js';

/**
 * A GET's answer: from the read cache, from an identical read already in flight (shared by
 * whoever asks meanwhile, not across a write; abandoned only when all of its callers have gone),
 * or from the provider through `fetch`. A read that precedes a write (`ctx.fresh`: If-Match,
 * read-merge-write) always goes to the provider, alone, so no cache can weaken If-Match.
 */
export function readThrough(
  policy: UpstreamPolicy,
  ctx: CallContext,
  key: string,
  fetch: (ctx: CallContext) => Promise<CachedAnswer>,
): Promise<CachedAnswer> {
  const { cache, metrics } = policy;
  const fresh = ctx.fresh === true;
  if (!fresh && cache) {
    const hit = cache.get(key);
    if (metrics) metrics.cache.labels(policy.providerId, hit ? 'hit' : 'miss').inc();
    if (hit) return Promise.resolve(hit);
  }
  const epoch = cache?.epoch ?? 0;
  const fetchOnce = async (callCtx: CallContext): Promise<CachedAnswer> => {
    const answer = await fetch(callCtx);
    cache?.set(key, answer, epoch);
    return answer;
  };
  if (fresh) return fetchOnce(ctx);
  const shared = policy.coalescer.run(
    `${policy.generation}\u0000${key}`,
    // The attempt lines go with the request that started the read (see AttemptLines).
    (abandoned) =>
      fetchOnce({
        requestId: ctx.requestId,
        traceparent: ctx.traceparent,
        attempts: ctx.attempts,
        cancel: abandoned,
        get signal() {
          return abandoned.signal;
        },
      }),
    cancellationOf(ctx),
  );
  if (shared.joined && metrics) metrics.coalesced.labels(policy.providerId).inc();
  return shared.promise;
}
