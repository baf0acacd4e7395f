import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Connection } from '../../src/core/connection.js';
import { DEMO_ORGANISATION } from '../../src/providers/versori/fixtures.js';
import { startVersoriSimulator, type VersoriSimulator } from '../../src/providers/versori/simulator/index.js';
import {
  caller,
  buildDist,
  kill9,
  startGatewayProcess,
  stopGatewayProcess,
  writeGatewayConfig,
  type GatewayProcess as Gateway,
} from '../helpers/process.js';

/**
 * `kill -9` of the real gateway process (`node dist/main.js`) at each step of a connection create:
 * after its intent is written (the provider never made it), after the provider made it (the
 * answer lost), after the commit. After a restart there is exactly one gateway connection per
 * upstream connection, none unknown to the gateway, and a Versori connection adopted after the
 * crash is patchable (its sealed credentials came with it).
 */

const ADMIN = 'crash-test-admin-key-0123456789';
let sim: VersoriSimulator;
let config: string;

beforeAll(async () => {
  await buildDist();
  sim = await startVersoriSimulator({ seedDemo: true });
  ({ file: config } = writeGatewayConfig('pb-crash-', ADMIN, [
    {
      id: 'versori',
      type: 'versori',
      apiKey: sim.apiKey,
      baseUrl: sim.baseUrl,
      timeoutMs: 60_000,
      retry: { attempts: 1 },
    },
  ]));
}, 60_000);
afterAll(() => sim.close());

const call = caller(ADMIN);
const BASE = '/v1/organizations/acme/connections';
const upstreamNames = () =>
  Object.values(sim.state.organisations[DEMO_ORGANISATION.id]?.connections ?? {})
    .map((c) => c.name)
    .sort();

async function gatewayConnections(gw: Gateway): Promise<Connection[]> {
  const res = await call(gw, 'GET', `${BASE}?limit=200`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: Connection[] }).data;
}

/** Sends a create and kills the gateway once `ready()` holds (the create still unanswered, unless it was answered). */
async function createThenCrash(gw: Gateway, name: string, ready: () => boolean): Promise<void> {
  const pending = call(gw, 'POST', BASE, {
    provider: 'versori',
    kind: 'app_apikey',
    name,
    credentials: { type: 'api_key', api_key: `secret-of-${name}` },
  }).catch(() => null);
  await vi.waitFor(() => expect(ready()).toBe(true), { timeout: 10_000 });
  await kill9(gw);
  await pending;
}

describe('kill -9 during a create', () => {
  it('at every step: after a restart, one gateway connection per upstream connection and a patchable Versori connection', async () => {
    let gw = await startGatewayProcess(config);
    expect(
      (
        await call(gw, 'POST', '/v1/organizations', {
          id: 'acme',
          name: 'Acme',
          links: { versori: DEMO_ORGANISATION.id },
        })
      ).status,
    ).toBe(201);
    const stalls = () => sim.kit.stalls().total;

    // 1. Intent written, the provider never made it: the request is held before the simulator acts on it.
    sim.kit.fault({ method: 'POST', path: '/connections$', stall: true, times: 1 });
    let before = stalls();
    await createThenCrash(gw, 'never-made', () => stalls() === before + 1);
    expect(upstreamNames()).not.toContain('never-made');

    // 2. The provider made it, the gateway died before its commit (the answer is held after the simulator acted).
    gw = await startGatewayProcess(config);
    sim.kit.fault({ method: 'POST', path: '/connections$', stallAfter: true, times: 1 });
    before = stalls();
    await createThenCrash(gw, 'made-not-committed', () => stalls() === before + 1);
    expect(upstreamNames()).toContain('made-not-committed');

    // 3. Committed and answered, then killed.
    gw = await startGatewayProcess(config);
    const committed = await call(gw, 'POST', BASE, {
      provider: 'versori',
      kind: 'app_apikey',
      name: 'committed',
      credentials: { type: 'api_key', api_key: 'secret-of-committed' },
    });
    expect(committed.status).toBe(201);
    await kill9(gw);

    // After the restart the unsettled creates are settled (at start, or by the first list).
    gw = await startGatewayProcess(config);
    try {
      await vi.waitFor(
        async () => {
          const mine = (await gatewayConnections(gw)).filter((c) =>
            ['never-made', 'made-not-committed', 'committed'].includes(c.name ?? ''),
          );
          expect(mine.map((c) => c.name).sort()).toEqual(['committed', 'made-not-committed']);
        },
        { timeout: 10_000 },
      );
      const all = await gatewayConnections(gw);
      // Exactly one gateway connection per upstream connection; none unknown to the gateway.
      expect(all.map((c) => c.name).sort()).toEqual(upstreamNames());
      expect(new Set(all.map((c) => c.external.connection_id)).size).toBe(all.length);
      // The adopted one kept its sealed credentials: Versori replaces whole connections, so a rename replays them.
      const adopted = all.find((c) => c.name === 'made-not-committed') as Connection;
      expect(adopted.credentials.stored).toBe(true);
      const renamed = await call(gw, 'PATCH', `${BASE}/${adopted.id}`, { name: 'made-and-renamed' });
      expect(renamed.status).toBe(200);
      expect(upstreamNames()).toContain('made-and-renamed');
      // Its creation is in the audit trail once, as the create's.
      const events = (await (await call(gw, 'GET', '/v1/organizations/acme/events?limit=200')).json()) as {
        data: Array<{ type: string; connection_id: string }>;
      };
      expect(events.data.filter((e) => e.connection_id === adopted.id).map((e) => e.type)).toEqual([
        'connection.created',
        'connection.updated',
      ]);
    } finally {
      await stopGatewayProcess(gw);
    }
  }, 60_000);
});
