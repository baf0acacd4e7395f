import { writeFileSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  caller,
  buildDist,
  kill9,
  startGatewayProcess,
  stopGatewayProcess,
  writeGatewayConfig,
  type GatewayProcess,
} from '../helpers/process.js';
import { TestReceiver } from '../helpers/receiver.js';

/**
 * The outbox survives `kill -9` of the real gateway process (`node dist/main.js`): killed after an
 * event was written and before its delivery was tried, and killed while a delivery was in flight
 * (its lease runs out, and the restarted process sends it again with the same webhook-id). After a
 * restart every delivery arrives.
 */

const ADMIN = 'webhook-crash-admin-key-012345';
let receiver: TestReceiver;
let config: string;
let running: GatewayProcess | undefined;

const webhooks = (pollMs: number) => ({
  allowHttp: true,
  allowPrivateNetworks: true,
  pollMs,
  timeoutMs: 500,
  retryScheduleMs: [50],
});

function writeConfig(pollMs: number): void {
  const cfg = JSON.parse(readFileSync(config, 'utf8')) as Record<string, unknown>;
  writeFileSync(config, JSON.stringify({ ...cfg, webhooks: webhooks(pollMs) }));
}

const call = caller(ADMIN);

beforeAll(async () => {
  await buildDist();
  receiver = await TestReceiver.start();
  ({ file: config } = writeGatewayConfig('pb-webhook-crash-', ADMIN, [], undefined, {
    webhooks: webhooks(20),
  }));
}, 60_000);
afterAll(async () => {
  if (running) await stopGatewayProcess(running);
  await receiver.close();
});

describe('kill -9 and webhook deliveries', () => {
  it('killed between the write and the delivery: the restarted gateway delivers it', async () => {
    // A first life that only looks for deliveries when it starts: the event's delivery stays pending.
    writeConfig(60_000);
    let gw = await startGatewayProcess(config);
    const hook = (await (
      await call(gw, 'POST', '/v1/webhooks', { url: `${receiver.url}/crash`, organization_ids: ['*'] })
    ).json()) as { secret: string };
    expect(
      (await call(gw, 'POST', '/v1/organizations', { id: 'written-then-killed', name: 'w' })).status,
    ).toBe(201);
    await kill9(gw);
    expect(receiver.received).toEqual([]);

    writeConfig(20);
    gw = running = await startGatewayProcess(config);
    await vi.waitFor(() => expect(receiver.received.length).toBe(1), { timeout: 10_000 });
    expect(
      receiver.verified(hook.secret).map((d) => [d.payload.type, d.payload.data['organization_id']]),
    ).toEqual([['organization.created', 'written-then-killed']]);
    await stopGatewayProcess(gw);
    running = undefined;
  }, 60_000);

  it('killed while a delivery is in flight: after its lease, the restarted gateway sends it again (same webhook-id)', async () => {
    receiver.received.length = 0;
    receiver.otherwise = 'hold';
    let gw = await startGatewayProcess(config);
    expect((await call(gw, 'POST', '/v1/organizations', { id: 'killed-in-flight', name: 'k' })).status).toBe(
      201,
    );
    await vi.waitFor(() => expect(receiver.holding).toBe(1), { timeout: 10_000 });
    await kill9(gw);
    receiver.otherwise = { status: 204 };
    receiver.release();

    gw = running = await startGatewayProcess(config);
    await vi.waitFor(() => expect(receiver.received.length).toBe(2), { timeout: 15_000 });
    const [first, second] = receiver.received;
    expect(second?.headers['webhook-id']).toBe(first?.headers['webhook-id']);
    const log = (await (await call(gw, 'GET', '/v1/webhooks?limit=10')).json()) as {
      data: Array<{ id: string }>;
    };
    const hookId = log.data[0]?.id ?? '';
    await vi.waitFor(async () => {
      const d = (await (
        await call(gw, 'GET', `/v1/webhooks/${hookId}/deliveries?event_type=organization.created`)
      ).json()) as { data: Array<{ status: string }> };
      expect(d.data.map((x) => x.status)).toEqual(['delivered', 'delivered']);
    });
  }, 60_000);
});
