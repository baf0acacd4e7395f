import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { rejection } from '../../helpers/checks.js';
import { upstreamError } from '../../../src/upstream/errors.js';
import type { UpstreamRequest } from '../../../src/upstream/request.js';
import { attempts, type CallRules } from '../../../src/upstream/retry.js';
import { CTX, scriptedPolicy, type Step } from './fake-transport.js';

const TARGET = { origin: 'http://upstream.test', path: '/v1/things' };
const NO_BODY = { body: undefined, contentType: undefined };
const GET: UpstreamRequest = { method: 'GET', path: '/things', operation: 'things.get' };
const POST: UpstreamRequest = { method: 'POST', path: '/things', operation: 'things.create' };

function run(steps: Step[], req: UpstreamRequest, settings = {}, auth: Partial<CallRules['auth']> = {}) {
  const setup = scriptedPolicy(steps, settings);
  let tokens = 0;
  const invalidated: Array<Record<string, string>> = [];
  const rules: CallRules = {
    auth: {
      headers: () => ({ authorization: `Bearer t${(tokens += 1)}` }),
      invalidate: (refused) => {
        invalidated.push(refused);
      },
      ...auth,
    },
    mapError: (f) => upstreamError('p1', f.status, `status ${f.status}`, f.headers),
  };
  const used = { headers: { authorization: 'Bearer t0' } };
  const health = { attempted: false, unwell: false };
  const result = attempts(setup.policy, rules, CTX, req, TARGET, NO_BODY, used, health);
  return { ...setup, result, health, used, invalidated };
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof GatewayError ? e.code : String(e)),
  );

describe('attempts: the retry loop of one call', () => {
  it('retries an idempotent read on 503 and a timeout, with backoff, and resolves with the answer', async () => {
    const r = run([{ status: 503 }, { fail: 'timeout' }, { status: 200, text: '{"ok":1}' }], GET);
    expect((await r.result).status).toBe(200);
    expect(r.transport.sent).toHaveLength(3);
    expect(r.clock.waits).toHaveLength(2);
    expect(r.health).toEqual({ attempted: true, unwell: false });
  });

  it('gives up after the configured attempts with the last failure, the provider marked unwell', async () => {
    const r = run([{ status: 502 }, { status: 502 }, { status: 502 }, { status: 200 }], GET);
    expect(await codeOf(r.result)).toBe('upstream_error');
    expect(r.transport.sent).toHaveLength(3);
    expect(r.health.unwell).toBe(true);
  });

  it('never repeats a POST that may have arrived, but resends one that provably never left (connect)', async () => {
    const lost = run([{ fail: 'network' }, { status: 201 }], POST);
    expect(await codeOf(lost.result)).toBe('upstream_error');
    expect(lost.transport.sent).toHaveLength(1);
    const refused = run([{ status: 503 }], POST);
    expect(await codeOf(refused.result)).toBe('upstream_error');
    expect(refused.transport.sent).toHaveLength(1);
    const never = run([{ fail: 'connect' }, { status: 201 }], POST);
    expect((await never.result).status).toBe(201);
    expect(never.transport.sent).toHaveLength(2);
  });

  it('on a 401 drops the refused credentials and sends once more with fresh ones (not counted as an attempt); a second 401 is the answer', async () => {
    const r = run([{ status: 401 }, { status: 200 }], GET, {
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });
    expect((await r.result).status).toBe(200);
    expect(r.invalidated).toEqual([{ authorization: 'Bearer t0' }]);
    expect(r.transport.sent.map((s) => s.headers['authorization'])).toEqual(['Bearer t0', 'Bearer t1']);
    expect(r.used.headers).toEqual({ authorization: 'Bearer t1' });
    const twice = run([{ status: 401 }, { status: 401 }, { status: 200 }], GET);
    expect(await codeOf(twice.result)).toBe('upstream_error');
    expect(twice.transport.sent).toHaveLength(2);
  });

  it('waits at least what Retry-After asks, and answers at once when that is past the deadline', async () => {
    const r = run([{ status: 429, headers: { 'retry-after': '2' } }, { status: 200 }], GET);
    expect((await r.result).status).toBe(200);
    expect(r.clock.waits[0]).toBeGreaterThanOrEqual(2_000);
    const late = run([{ status: 503, headers: { 'retry-after': '60' } }, { status: 200 }], GET, {
      deadlineMs: 5_000,
    });
    const e = await rejection(late.result);
    expect([e.code, e.retryAfter]).toEqual(['upstream_unavailable', 60]);
    expect(late.transport.sent).toHaveLength(1);
  });

  it('keeps within the retry budget: with the reserve spent, a failure is not retried', async () => {
    const setup = scriptedPolicy(
      Array.from({ length: 40 }, () => ({ status: 503 }) as Step),
      { retryBudget: { ratio: 0, reservePerSecond: 2 } },
    );
    const rules: CallRules = {
      auth: { headers: () => ({}) },
      mapError: (f) => upstreamError('p1', f.status, 'x'),
    };
    for (let i = 0; i < 3; i += 1) {
      await attempts(
        setup.policy,
        rules,
        CTX,
        GET,
        TARGET,
        NO_BODY,
        { headers: {} },
        { attempted: false, unwell: false },
      ).catch(() => undefined);
    }
    // 3 calls of up to 3 attempts; a reserve of 2 retries a second, and the fake clock barely moves.
    expect(setup.transport.sent.length).toBeLessThanOrEqual(3 + 2 + 1);
    expect(await setup.registry.getSingleMetricAsString('plugboard_upstream_retries_total')).toContain(
      'reason="budget_exhausted"',
    );
  });

  it("the token bucket refuses a call over the provider's budget with 429 and when to come back; an answer over the size limit is not a sick provider", async () => {
    const limited = run([{ status: 200 }], GET, { rateLimit: { requestsPerSecond: 1, burst: 1 } });
    await limited.result;
    const again = attempts(
      limited.policy,
      { auth: { headers: () => ({}) }, mapError: (f) => upstreamError('p1', f.status, 'x') },
      CTX,
      GET,
      TARGET,
      NO_BODY,
      { headers: {} },
      { attempted: false, unwell: false },
    );
    const e = await rejection(again);
    expect([e.code, e.retryAfter]).toEqual(['rate_limited', 1]);
    const big = run([{ fail: 'too_large' }], GET);
    expect(await codeOf(big.result)).toBe('upstream_error');
    expect(big.health).toEqual({ attempted: true, unwell: false });
  });
});
