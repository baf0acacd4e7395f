import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Connection } from '../../src/core/connection.js';
import { leenProvider } from '../../src/providers/leen/definition.js';
import {
  LEEN_SIM_DEFAULT_API_KEY,
  startLeenSimulator,
  type LeenSimulator,
} from '../../src/providers/leen/simulator/index.js';
import { demoOrganizationId, setConnectionHealth } from '../../src/providers/leen/simulator/state.js';
import { versoriProvider } from '../../src/providers/versori/definition.js';
import { DEMO_ORGANISATION } from '../../src/providers/versori/fixtures.js';
import { startVersoriSimulator, type VersoriSimulator } from '../../src/providers/versori/simulator/index.js';
import { insertConnection } from '../../src/providers/versori/simulator/state.js';
import { json, startGateway, walkList, type TestGateway } from '../helpers/gateway.js';
import { TestReceiver } from '../helpers/receiver.js';

/**
 * The connection monitor (contract §9.3), driven pass by pass: each event from a change made at a
 * simulator (as in a provider's console or by its own jobs), nothing for a change made through the
 * gateway, nothing twice, and nothing judged gone while a provider cannot be read.
 */

type Event = {
  type: string;
  connection_id: string | null;
  actor: string;
  changed: string[];
  previous?: unknown;
  current?: unknown;
};

let leen: LeenSimulator;
let versori: VersoriSimulator;
let gw: TestGateway;
let receiver: TestReceiver;
let secret: string;
const BASE = '/v1/organizations/acme/connections';

const pass = () => gw.gateway.monitor.pass();
const connections = () => walkList<Connection>(gw, BASE, 200);
let seen = 0;
/** The organization's events since the last call. */
async function newEvents(): Promise<Event[]> {
  const all = (await json<{ data: Event[] }>(await gw.call('GET', '/v1/organizations/acme/events?limit=200')))
    .data;
  const fresh = all.slice(seen);
  seen = all.length;
  return fresh;
}
const byExternal = (list: Connection[], external: string) =>
  list.find((c) => c.external.connection_id === external) as Connection;

beforeAll(async () => {
  leen = await startLeenSimulator({ seedDemo: true });
  versori = await startVersoriSimulator({ seedDemo: true });
  receiver = await TestReceiver.start();
  gw = await startGateway({
    definitions: [leenProvider, versoriProvider],
    providers: [
      {
        id: 'leen',
        type: 'leen',
        apiKey: LEEN_SIM_DEFAULT_API_KEY,
        baseUrl: leen.url,
        retry: { attempts: 1 },
      },
      {
        id: 'versori',
        type: 'versori',
        apiKey: versori.apiKey,
        baseUrl: versori.baseUrl,
        retry: { attempts: 1 },
      },
    ],
    webhooks: { allowHttp: true, allowPrivateNetworks: true, pollMs: 20 },
  });
  secret = (
    await json<{ secret: string }>(
      await gw.call('POST', '/v1/webhooks', {
        body: { url: `${receiver.url}/m`, organization_ids: ['acme'], events: ['connection.*'] },
      }),
    )
  ).secret;
  const links = { leen: demoOrganizationId(leen.state) as string, versori: DEMO_ORGANISATION.id };
  expect(
    (await gw.call('POST', '/v1/organizations', { body: { id: 'acme', name: 'Acme', links } })).status,
  ).toBe(201);
  await newEvents();
});
afterAll(async () => {
  await gw?.close();
  await receiver?.close();
  await Promise.all([leen?.close(), versori?.close()]);
});

describe('the connection monitor', () => {
  it('its first pass finds the connections the gateway did not know: one connection.discovered each', async () => {
    await pass();
    const events = await newEvents();
    const listed = await connections();
    expect(events.map((e) => e.type)).toEqual(listed.map(() => 'connection.discovered'));
    expect(new Set(events.map((e) => e.connection_id))).toEqual(new Set(listed.map((c) => c.id)));
    expect(events.every((e) => e.actor === 'gateway')).toBe(true);
    // A second pass over nothing changed records nothing.
    await pass();
    expect(await newEvents()).toEqual([]);
  });

  it('records health, status and upstream changes made at the provider, each once', async () => {
    const before = await connections();
    const leenConn = leen.state.connections.find(
      (c) => c.state === 'ACTIVE' && c.health.status === 'HEALTHY',
    );
    if (!leenConn) throw new Error('expected an active, healthy Leen demo connection');
    setConnectionHealth(leen.state, leenConn.id, 'VENDOR_SERVER_ERROR');
    leenConn.state = 'PAUSED';
    const org = versori.state.organisations[DEMO_ORGANISATION.id];
    const versoriConn = Object.values(org?.connections ?? {})[0];
    if (!versoriConn) throw new Error('expected a Versori demo connection');
    versoriConn.name = 'renamed-in-the-console';

    await pass();
    const events = await newEvents();
    const idOf = (external: string) => byExternal(before, external).id;
    expect(events.map((e) => [e.type, e.connection_id, e.changed]).sort()).toEqual(
      [
        ['connection.changed_upstream', idOf(versoriConn.id), ['name']],
        ['connection.health_changed', idOf(leenConn.id), ['health']],
        ['connection.status_changed', idOf(leenConn.id), ['status']],
      ].sort(),
    );
    const health = events.find((e) => e.type === 'connection.health_changed');
    expect(health?.previous).toMatchObject({ status: 'healthy' });
    expect(health?.current).toMatchObject({ status: 'unhealthy', resolution_owner: 'VENDOR' });
    expect(events.find((e) => e.type === 'connection.status_changed')).toMatchObject({
      previous: { status: 'active' },
      current: { status: 'paused' },
    });
    await pass();
    expect(await newEvents()).toEqual([]);
    // ?health= finds it.
    const unhealthy = await walkList<Connection>(gw, `${BASE}?health=unhealthy`, 50);
    expect(unhealthy.map((c) => c.id)).toContain(idOf(leenConn.id));
    expect(unhealthy.every((c) => c.health.status === 'unhealthy')).toBe(true);
    // The webhook got them, with the connection as it is now.
    await vi.waitFor(() => {
      const got = receiver.verified(secret).filter((d) => d.payload.type === 'connection.health_changed');
      expect(got).toHaveLength(1);
      expect(got[0]?.payload.data).toMatchObject({
        current: { status: 'unhealthy' },
        connection: { id: idOf(leenConn.id), health: { status: 'unhealthy' } },
      });
    });
    // Another reason, still unhealthy: no event (only health.status is one), but the snapshot
    // follows, so the next change's `previous` is that reason.
    setConnectionHealth(leen.state, leenConn.id, 'RATE_LIMIT_EXCEEDED');
    await pass();
    expect(await newEvents()).toEqual([]);
    setConnectionHealth(leen.state, leenConn.id, 'HEALTHY');
    await pass();
    const recovered = await newEvents();
    expect(recovered.map((e) => e.type)).toEqual(['connection.health_changed']);
    expect(recovered[0]).toMatchObject({
      previous: { status: 'unhealthy', description: 'Rate limit exceeded' },
      current: { status: 'healthy' },
    });
  });

  it('a connection made at the provider is discovered; one deleted there is removed_upstream and its id retired', async () => {
    const before = await connections();
    const org = versori.state.organisations[DEMO_ORGANISATION.id];
    const doomed = Object.values(org?.connections ?? {})[0];
    if (!org || !doomed) throw new Error('expected a Versori demo connection');
    const doomedId = byExternal(before, doomed.id).id;
    delete org.connections[doomed.id];
    const made = insertConnection(versori.state, DEMO_ORGANISATION.id, {
      name: 'made-in-the-console',
      appId: 'app_apikey',
      authType: 'apikey',
      data: { apiKey: 'k' },
    });

    await pass();
    const events = await newEvents();
    expect(events.map((e) => e.type).sort()).toEqual([
      'connection.discovered',
      'connection.removed_upstream',
    ]);
    expect(events.find((e) => e.type === 'connection.removed_upstream')?.connection_id).toBe(doomedId);
    const after = await connections();
    expect(byExternal(after, made.id)).toBeDefined();
    expect(after.map((c) => c.id)).not.toContain(doomedId);
    expect((await gw.call('GET', `${BASE}/${doomedId}`)).status).toBe(404);
  });

  it('a change made through the gateway records its own event and no monitor event', async () => {
    const [target] = (await connections()).filter((c) => c.provider === 'leen' && c.status !== 'pending');
    if (!target) throw new Error('expected a Leen connection');
    expect(
      (await gw.call('PATCH', `${BASE}/${target.id}`, { body: { name: 'renamed-by-the-gateway' } })).status,
    ).toBe(200);
    expect((await newEvents()).map((e) => e.type)).toEqual(['connection.updated']);
    await pass();
    expect(await newEvents()).toEqual([]);
  });

  it('a provider that cannot be read is reported in GET /v1/providers and none of its connections is judged gone', async () => {
    const count = (await connections()).filter((c) => c.provider === 'leen').length;
    await fetch(`${leen.url}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'GET', path: '/connections$', status: 503 }),
    });
    try {
      await pass();
    } finally {
      await fetch(`${leen.url}/__sim/faults`, { method: 'DELETE' });
    }
    expect(await newEvents()).toEqual([]);
    const providers = (
      await json<{ data: Array<{ id: string; monitor: Record<string, unknown> }> }>(
        await gw.call('GET', '/v1/providers'),
      )
    ).data;
    expect(providers.find((p) => p.id === 'leen')?.monitor).toMatchObject({
      last_error: expect.stringMatching(/^upstream_/),
      last_pass_at: expect.any(String),
      last_pass_ms: expect.any(Number),
    });
    expect(providers.find((p) => p.id === 'versori')?.monitor).toMatchObject({ last_error: null });
    expect((await connections()).filter((c) => c.provider === 'leen')).toHaveLength(count);
    await pass();
    const again = (
      await json<{ data: Array<{ id: string; monitor: Record<string, unknown> }> }>(
        await gw.call('GET', '/v1/providers'),
      )
    ).data;
    expect(again.find((p) => p.id === 'leen')?.monitor['last_error']).toBeNull();
  });

  it('runs one pass at a time (the lease) and only when one is due', async () => {
    let passes = 0;
    const monitor = gw.gateway.monitor;
    const original = monitor.pass.bind(monitor);
    monitor.pass = async () => {
      passes += 1;
      await original();
    };
    try {
      await Promise.all([monitor.runDue(), monitor.runDue(), monitor.runDue()]);
      // Intervals are 0 here: every earlier pass left next_pass_at null, so one is due; and only one ran.
      expect(passes).toBe(1);
    } finally {
      monitor.pass = original;
    }
  });
});
