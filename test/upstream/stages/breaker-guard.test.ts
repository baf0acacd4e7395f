import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { rejection } from '../../helpers/checks.js';
import { guarded } from '../../../src/upstream/breaker-guard.js';
import { CallAborted } from '../../../src/upstream/call-aborted.js';
import { scriptedPolicy } from './fake-transport.js';

const breaker = { failureThreshold: 2, failureRate: 1, window: 10, openMs: 1_000 };
const failing = (unwell: boolean) => (h: { attempted: boolean; unwell: boolean }) => {
  h.attempted = true;
  h.unwell = unwell;
  return Promise.reject(new GatewayError('upstream_error', 'no'));
};

describe('guarded: the circuit breaker around one call', () => {
  it('opens after failed calls where the provider was unwell, then refuses at once with 503 and when to come back', async () => {
    const { policy, clock } = scriptedPolicy([], { circuitBreaker: breaker });
    for (let i = 0; i < 2; i += 1) await expect(guarded(policy, failing(true))).rejects.toThrow('no');
    expect(policy.circuit).toBe('open');
    let ran = false;
    const e = await rejection(
      guarded(policy, () => {
        ran = true;
        return Promise.resolve(1);
      }),
    );
    expect([e.code, e.retryAfter, ran]).toEqual(['upstream_unavailable', 1, false]);
    clock.advance(1_000);
    expect(await guarded(policy, () => Promise.resolve('probe'))).toBe('probe');
    expect(policy.circuit).toBe('closed');
  });

  it('does not count a refusal (4xx), a caller who left, or a call that sent nothing', async () => {
    const { policy } = scriptedPolicy([], { circuitBreaker: breaker });
    for (let i = 0; i < 3; i += 1) await expect(guarded(policy, failing(false))).rejects.toThrow();
    for (let i = 0; i < 3; i += 1) {
      await expect(
        guarded(policy, (h) => {
          h.attempted = true;
          h.unwell = true;
          return Promise.reject(new CallAborted());
        }),
      ).rejects.toBeInstanceOf(CallAborted);
    }
    for (let i = 0; i < 3; i += 1)
      await expect(
        guarded(policy, () => Promise.reject(new GatewayError('rate_limited', 'limiter'))),
      ).rejects.toThrow();
    expect(policy.circuit).toBe('closed');
  });
});
