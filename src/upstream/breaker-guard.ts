import { CallAborted } from './call-aborted.js';
import { circuitOpen } from './errors.js';
import type { UpstreamPolicy } from './policy.js';

/** What a call's attempts told of the provider: whether one was sent, and whether the last one found it unwell. */
export interface ProviderHealth {
  attempted: boolean;
  unwell: boolean;
}

/** What counts against the provider's health: no answer, timeouts, 5xx. */
export const isUnwell = (status: number): boolean => status >= 500 || status === 408;

/**
 * The circuit breaker around a call: it counts calls, not attempts, so a provider that fails now
 * and then (and is saved by a retry) does not open it; one that keeps failing does. An open
 * circuit refuses at once (503 with when to come back). A call that learnt nothing of the provider
 * (the caller left, or no attempt was sent) hands its claim back.
 */
export async function guarded<T>(
  policy: UpstreamPolicy,
  run: (health: ProviderHealth) => Promise<T>,
): Promise<T> {
  const breaker = policy.breaker;
  const closedFor = breaker?.acquire() ?? 0;
  if (closedFor > 0) throw circuitOpen(policy.providerId, closedFor);
  const health: ProviderHealth = { attempted: false, unwell: false };
  try {
    const res = await run(health);
    breaker?.success();
    return res;
  } catch (e) {
    if (e instanceof CallAborted || !health.attempted) breaker?.release();
    else if (health.unwell) breaker?.failure();
    else breaker?.success();
    throw e;
  }
}
