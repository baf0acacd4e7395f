import { describe, expect, it } from 'vitest';
import { attempt } from '../../../src/upstream/attempt.js';
import { CallAborted } from '../../../src/upstream/call-aborted.js';
import { TransportError } from '../../../src/upstream/transport.js';
import { CTX, scriptedPolicy } from './fake-transport.js';

const REQ = { method: 'GET' as const, path: '/orgs/o1/connections', operation: 'connections.list' };
const TARGET = { origin: 'http://upstream.test', path: '/v1/orgs/o1/connections?limit=5' };
const NO_BODY = { body: undefined, contentType: undefined };

describe('attempt: one HTTP attempt, its log line and its metric', () => {
  it("sends to the target with the attempt's headers and timeout, logs the status and counts it", async () => {
    const { policy, transport, logs, registry } = scriptedPolicy([{ status: 201, text: '{}' }]);
    const res = await attempt(policy, CTX, REQ, TARGET, NO_BODY, { 'x-api-key': 'k' }, 1234, 1);
    expect(res.status).toBe(201);
    expect(transport.sent[0]).toMatchObject({
      origin: TARGET.origin,
      path: TARGET.path,
      method: 'GET',
      timeoutMs: 1234,
      headers: { 'x-api-key': 'k', 'x-request-id': 'req-1' },
    });
    expect(logs.parsed()).toEqual([
      expect.objectContaining({
        msg: 'upstream call',
        provider: 'p1',
        method: 'GET',
        path: REQ.path,
        attempt: 1,
        request_id: 'req-1',
        status: 201,
        duration_ms: expect.any(Number),
      }),
    ]);
    expect(await registry.getSingleMetricAsString('plugboard_upstream_attempts_total')).toContain(
      'plugboard_upstream_attempts_total{provider="p1",outcome="201"} 1',
    );
  });

  it('logs an attempt without an answer by its outcome, and turns a caller who left into CallAborted', async () => {
    const { policy, logs, registry } = scriptedPolicy([{ fail: 'timeout' }, { fail: 'aborted' }]);
    await expect(attempt(policy, CTX, REQ, TARGET, NO_BODY, {}, 10, 1)).rejects.toBeInstanceOf(
      TransportError,
    );
    await expect(attempt(policy, CTX, REQ, TARGET, NO_BODY, {}, 10, 2)).rejects.toBeInstanceOf(CallAborted);
    expect(logs.parsed().map((l) => [l['level'], l['status'], l['outcome'], l['attempt']])).toEqual([
      [40, null, 'timeout', 1],
      [40, null, 'caller_gone', 2],
    ]);
    const text = await registry.getSingleMetricAsString('plugboard_upstream_attempts_total');
    expect(text).toContain('outcome="timeout"} 1');
    expect(text).toContain('outcome="caller_gone"} 1');
  });
});
