import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startPostgres, type PgServer } from '../helpers/postgres.js';
import {
  caller,
  buildDist,
  startGatewayProcess,
  stopGatewayProcess,
  writeGatewayConfig,
  type GatewayProcess,
} from '../helpers/process.js';
import { TestReceiver } from '../helpers/receiver.js';

/**
 * Two gateway processes on one PostgreSQL database share the outbox: 200 events, written through
 * both, reach a healthy receiver exactly once each (by webhook-id), and both replicas deliver.
 */

const ADMIN = 'webhook-replicas-admin-key-0123';
let server: PgServer;
let receiver: TestReceiver;
let a: GatewayProcess;
let b: GatewayProcess;

const call = caller(ADMIN);

beforeAll(async () => {
  const [, pg, r] = await Promise.all([buildDist(), startPostgres(), TestReceiver.start()]);
  server = pg;
  receiver = r;
  const { file } = writeGatewayConfig(
    'pb-webhook-replicas-',
    ADMIN,
    [],
    { url: await server.createDatabase() },
    {
      webhooks: { allowHttp: true, allowPrivateNetworks: true, pollMs: 20, concurrency: 8, timeoutMs: 5_000 },
    },
  );
  [a, b] = await Promise.all([startGatewayProcess(file), startGatewayProcess(file)]);
}, 90_000);
afterAll(async () => {
  await Promise.all([a, b].filter(Boolean).map((gw) => stopGatewayProcess(gw)));
  await receiver?.close();
  await server?.close();
});

describe('webhooks across two replicas', () => {
  it('200 events through both replicas are delivered exactly once each, by both replicas', async () => {
    const hook = (await (
      await call(a, 'POST', '/v1/webhooks', {
        url: `${receiver.url}/r`,
        organization_ids: ['*'],
        events: ['organization.created'],
      })
    ).json()) as { secret: string };
    for (let i = 0; i < 200; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, async (_, j) => {
          const n = i + j;
          const res = await call(n % 2 === 0 ? a : b, 'POST', '/v1/organizations', {
            id: `rep-${n}`,
            name: `r${n}`,
          });
          expect(res.status).toBe(201);
        }),
      );
    }
    await vi.waitFor(() => expect(receiver.received.length).toBeGreaterThanOrEqual(200), { timeout: 30_000 });
    const ids = receiver.verified(hook.secret).map((d) => d.id);
    expect(ids.length).toBe(200);
    expect(new Set(ids).size).toBe(200);
    const deliveredBy = (gw: GatewayProcess) =>
      gw
        .output()
        .split('\n')
        .filter((l) => l.includes('"msg":"webhook delivery"')).length;
    // An attempt's log line is written after the receiver has answered: the last ones may still be on their way.
    await vi.waitFor(() => expect(deliveredBy(a) + deliveredBy(b)).toBe(200), { timeout: 10_000 });
    process.stdout.write(`[webhook-replicas] delivered by A: ${deliveredBy(a)}, by B: ${deliveredBy(b)}\n`);
    expect(deliveredBy(a)).toBeGreaterThan(0);
    expect(deliveredBy(b)).toBeGreaterThan(0);
  }, 60_000);
});
