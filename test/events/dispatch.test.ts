import { afterAll, describe, expect, it, vi } from 'vitest';
import { json, startGateway, type TestGateway } from '../helpers/gateway.js';
import { TestReceiver } from '../helpers/receiver.js';

/**
 * The dispatcher as a whole: a stalled receiver holds no more than its own slots (the API and other
 * endpoints carry on), every attempt is one log line and counted in the metrics, and an endpoint
 * whose every attempt has failed for `disableAfterMs` is disabled.
 */

const open: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  await Promise.all(open.map((o) => o.close()));
});

async function gatewayWith(webhooks: Record<string, unknown>): Promise<TestGateway> {
  const gw = await startGateway({
    webhooks: { allowHttp: true, allowPrivateNetworks: true, pollMs: 20, ...webhooks },
  });
  open.push(gw);
  return gw;
}
async function receiver(): Promise<TestReceiver> {
  const r = await TestReceiver.start();
  open.push(r);
  return r;
}
const hook = async (gw: TestGateway, r: TestReceiver, organization_ids = ['*']) =>
  json<{ id: string; secret: string }>(
    await gw.call('POST', '/v1/webhooks', { body: { url: `${r.url}/h`, organization_ids } }),
  );

describe('dispatch', () => {
  it('a stalled receiver holds at most perEndpoint deliveries; the API and a healthy endpoint carry on meanwhile', async () => {
    const gw = await gatewayWith({ perEndpoint: 2, concurrency: 8, timeoutMs: 60_000 });
    const stalled = await receiver();
    stalled.otherwise = 'hold';
    const healthy = await receiver();
    await hook(gw, stalled);
    const good = await hook(gw, healthy);
    for (let i = 0; i < 10; i += 1) {
      expect(
        (await gw.call('POST', '/v1/organizations', { body: { id: `busy-${i}`, name: `b${i}` } })).status,
      ).toBe(201);
    }
    await vi.waitFor(() => expect(healthy.received.length).toBe(10), { timeout: 10_000 });
    expect(healthy.verified(good.secret)).toHaveLength(10);
    expect(stalled.holding).toBe(2);
    // API calls answer while two deliveries hang.
    for (let i = 0; i < 20; i += 1)
      expect((await gw.call('GET', `/v1/organizations/busy-${i % 10}`)).status).toBe(200);
    expect(stalled.holding).toBe(2);
    // Released, the stalled endpoint gets the rest, still two at a time.
    stalled.otherwise = { status: 204 };
    stalled.release();
    await vi.waitFor(() => expect(stalled.received.length).toBe(10), { timeout: 10_000 });
  });

  it('one log line per attempt, and the metrics count attempts, their duration and what is pending', async () => {
    const gw = await gatewayWith({ retryScheduleMs: [20] });
    const r = await receiver();
    r.answers.push({ status: 500 });
    const { id } = await hook(gw, r);
    expect((await gw.call('POST', '/v1/organizations', { body: { id: 'logged', name: 'l' } })).status).toBe(
      201,
    );
    await vi.waitFor(() => expect(r.received.length).toBe(2));
    await vi.waitFor(() =>
      expect(gw.logs.parsed().filter((l) => l['msg'] === 'webhook delivery')).toHaveLength(2),
    );
    const lines = gw.logs.parsed().filter((l) => l['msg'] === 'webhook delivery');
    expect(lines.map((l) => [l['webhook_id'], l['attempt'], l['status'], l['outcome']])).toEqual([
      [id, 1, 500, 'retry'],
      [id, 2, 204, 'delivered'],
    ]);
    for (const l of lines)
      expect(l).toMatchObject({
        delivery_id: expect.stringMatching(/^dl_/),
        event_type: 'organization.created',
        duration_ms: expect.any(Number),
      });
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/plugboard_webhook_attempts_total\{outcome="retry"\} 1/);
    expect(metrics).toMatch(/plugboard_webhook_attempts_total\{outcome="delivered"\} 1/);
    expect(metrics).toMatch(/plugboard_webhook_attempt_duration_seconds_count\{outcome="delivered"\} 1/);
    expect(metrics).toMatch(/plugboard_webhook_deliveries_pending 0/);
  });

  it('an endpoint whose every attempt has failed for disableAfterMs is disabled (webhook.disabled, reason failing)', async () => {
    const gw = await gatewayWith({ retryScheduleMs: [60, 60, 60, 60, 60, 60], disableAfterMs: 150 });
    const r = await receiver();
    r.otherwise = { status: 503 };
    const { id } = await hook(gw, r);
    expect((await gw.call('POST', '/v1/organizations', { body: { id: 'failing', name: 'f' } })).status).toBe(
      201,
    );
    await vi.waitFor(
      async () =>
        expect(await json(await gw.call('GET', `/v1/webhooks/${id}`))).toMatchObject({
          status: 'disabled',
          disabled_reason: 'failing',
        }),
      { timeout: 10_000 },
    );
    const events = await json<{ data: Array<{ type: string; webhook_id?: string; reason?: string }> }>(
      await gw.call('GET', '/v1/events?limit=200'),
    );
    expect(events.data.filter((e) => e.type === 'webhook.disabled')).toEqual([
      expect.objectContaining({ webhook_id: id, reason: 'failing' }),
    ]);
    const attempts = r.received.length;
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(attempts).toBeLessThan(7);
  });
});
