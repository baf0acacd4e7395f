import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/core/connection.js';
import { DEMO_ORGANISATION } from '../../src/providers/versori/fixtures.js';
import { versoriProvider } from '../../src/providers/versori/definition.js';
import { startVersoriSimulator, type VersoriSimulator } from '../../src/providers/versori/simulator/index.js';
import { json, startGateway, walkList, type TestGateway } from '../helpers/gateway.js';

/**
 * Organizations through the whole gateway: their audit events (contract §8), and what deleting
 * one does to its connections, their sealed credentials and its events. Versori proves the sealed
 * copies: it can only replace whole connections, so a change without credentials needs a stored copy.
 */

interface AuditEvent {
  id: string;
  type: string;
  organization_id: string;
  connection_id: string | null;
  actor: string;
  changed: string[];
  request_id: string | null;
  at: string;
}

let sim: VersoriSimulator;
let gw: TestGateway;
const CANARY = 'canary-0rg-d3lete-secret';

beforeAll(async () => {
  sim = await startVersoriSimulator({ seedDemo: true });
  gw = await startGateway({
    definitions: [versoriProvider],
    providers: [{ id: 'versori', type: 'versori', apiKey: sim.apiKey, baseUrl: sim.baseUrl }],
  });
});
afterAll(async () => {
  await gw.close();
  await sim.close();
});

const events = async (org: string) => walkList<AuditEvent>(gw, `/v1/organizations/${org}/events`, 200);
const withRequestId = (id: string) => ({ headers: { 'x-request-id': id } });
const raw = <T>(fn: (db: Database.Database) => T): T => {
  const db = new Database(join(gw.dir, 'gateway.db'), { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
};

async function createVersori(org: string, name: string, apiKey: string): Promise<Connection> {
  const res = await gw.call('POST', `/v1/organizations/${org}/connections`, {
    body: {
      provider: 'versori',
      kind: 'app_apikey',
      name,
      credentials: { type: 'api_key', api_key: apiKey },
    },
  });
  expect(res.status).toBe(201);
  return json<Connection>(res);
}

describe('organization events', () => {
  it('records organization.created, .updated and .deleted with the changed field names, actor and request id, never a value', async () => {
    const created = await gw.call('POST', '/v1/organizations', {
      body: { id: 'audited', name: 'Audited Name', links: { versori: 'link-value-1' } },
      ...withRequestId('req-create-1'),
    });
    expect(created.status).toBe(201);
    const org = await json<{ created_at: string; updated_at: string }>(created);
    expect(
      (
        await gw.call('PATCH', '/v1/organizations/audited', {
          body: { name: 'Renamed' },
          ...withRequestId('req-patch-1'),
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await gw.call('PATCH', '/v1/organizations/audited', {
          body: { links: { versori: null } },
          ...withRequestId('req-patch-2'),
        })
      ).status,
    ).toBe(200);

    const list = await events('audited');
    expect(list).toEqual([
      {
        id: expect.stringMatching(/^ev_/),
        type: 'organization.created',
        organization_id: 'audited',
        connection_id: null,
        actor: 'admin',
        changed: ['links', 'name'],
        request_id: 'req-create-1',
        at: org.created_at,
      },
      {
        id: expect.stringMatching(/^ev_/),
        type: 'organization.updated',
        organization_id: 'audited',
        connection_id: null,
        actor: 'admin',
        changed: ['name'],
        request_id: 'req-patch-1',
        at: expect.stringMatching(/Z$/),
      },
      {
        id: expect.stringMatching(/^ev_/),
        type: 'organization.updated',
        organization_id: 'audited',
        connection_id: null,
        actor: 'admin',
        changed: ['links'],
        request_id: 'req-patch-2',
        at: expect.stringMatching(/Z$/),
      },
    ]);
    const text = JSON.stringify(list);
    for (const value of ['Audited Name', 'Renamed', 'link-value-1']) expect(text).not.toContain(value);

    // An organization without links records only its name; `{}` changes nothing and records nothing.
    expect(
      (await gw.call('POST', '/v1/organizations', { body: { id: 'plain', name: 'Plain' } })).status,
    ).toBe(201);
    const before = await json<{ updated_at: string }>(await gw.call('GET', '/v1/organizations/plain'));
    const empty = await gw.call('PATCH', '/v1/organizations/plain', { body: {} });
    expect(empty.status).toBe(200);
    expect((await json<{ updated_at: string }>(empty)).updated_at).toBe(before.updated_at);
    expect((await events('plain')).map((e) => [e.type, e.changed])).toEqual([
      ['organization.created', ['name']],
    ]);

    expect((await gw.call('DELETE', '/v1/organizations/audited', withRequestId('req-delete-1'))).status).toBe(
      204,
    );
    // The events of a deleted organization are not listed (no such organization) but are kept, its deletion last.
    expect((await gw.call('GET', '/v1/organizations/audited/events')).status).toBe(404);
    const kept = raw((db) =>
      db
        .prepare(
          "SELECT type, connection_id, actor, changed, request_id FROM events WHERE organization_id = 'audited' ORDER BY seq",
        )
        .all(),
    );
    expect(kept.at(-1)).toEqual({
      type: 'organization.deleted',
      connection_id: null,
      actor: 'admin',
      changed: '[]',
      request_id: 'req-delete-1',
    });
    expect(kept).toHaveLength(4);
  });

  it('lists organization and connection events of one organization together, in order', async () => {
    expect(
      (
        await gw.call('POST', '/v1/organizations', {
          body: { id: 'mixed', name: 'Mixed', links: { versori: DEMO_ORGANISATION.id } },
        })
      ).status,
    ).toBe(201);
    const c = await createVersori('mixed', 'mixed-1', `${CANARY}-mixed`);
    expect((await gw.call('PATCH', '/v1/organizations/mixed', { body: { name: 'Mixed 2' } })).status).toBe(
      200,
    );
    expect(
      (await gw.call('PATCH', `/v1/organizations/mixed/connections/${c.id}`, { body: { name: 'mixed-2' } }))
        .status,
    ).toBe(200);
    const list = await events('mixed');
    expect(list.map((e) => [e.type, e.connection_id])).toEqual([
      ['organization.created', null],
      ['connection.created', c.id],
      ['organization.updated', null],
      ['connection.updated', c.id],
    ]);
    expect(JSON.stringify(list)).not.toContain(CANARY);
  });
});

describe('deleting an organization', () => {
  it('deletes its sealed credentials and retires its connection ids in one go; an organization made again with its id finds none of them', async () => {
    const org = 'tenant';
    const links = { versori: DEMO_ORGANISATION.id };
    expect(
      (await gw.call('POST', '/v1/organizations', { body: { id: org, name: 'Tenant', links } })).status,
    ).toBe(201);
    const old = await createVersori(org, 'tenant-old', `${CANARY}-old`);
    const oldEvents = await events(org);
    expect(
      raw((db) => db.prepare('SELECT COUNT(*) FROM credentials WHERE connection_id = ?').pluck().get(old.id)),
    ).toBe(1);

    expect((await gw.call('DELETE', `/v1/organizations/${org}`)).status).toBe(204);
    expect(
      raw((db) => db.prepare('SELECT COUNT(*) FROM credentials WHERE organization_id = ?').pluck().get(org)),
    ).toBe(0);
    expect(
      raw((db) => db.prepare('SELECT deleted_at FROM connections WHERE id = ?').pluck().get(old.id)),
    ).toMatch(/Z$/);
    expect((await gw.call('GET', `/v1/organizations/${org}/connections/${old.id}`)).status).toBe(404);
    expect((await gw.call('DELETE', `/v1/organizations/${org}`)).status).toBe(404);

    // The same id again, linked to the same provider organization.
    expect(
      (await gw.call('POST', '/v1/organizations', { body: { id: org, name: 'Tenant again', links } })).status,
    ).toBe(201);
    for (const method of ['GET', 'PATCH', 'PUT', 'DELETE'] as const) {
      const res = await gw.call(
        method,
        `/v1/organizations/${org}/connections/${old.id}`,
        method === 'PATCH' || method === 'PUT' ? { body: { name: 'revived?' } } : {},
      );
      expect(res.status).toBe(404);
    }
    // The upstream connection is still at Versori: listed again under a new id, with no stored copy,
    // so a change without credentials is refused (the old sealed row is not revived).
    const listed = await walkList<Connection>(gw, `/v1/organizations/${org}/connections`, 200);
    const again = listed.find((c) => c.external.connection_id === old.external.connection_id);
    expect(again?.id).toBeDefined();
    expect(again?.id).not.toBe(old.id);
    expect(again?.credentials.stored).toBe(false);
    const refused = await gw.call('PATCH', `/v1/organizations/${org}/connections/${again?.id}`, {
      body: { name: 'needs credentials' },
    });
    expect(refused.status).toBe(409);
    expect((await json(refused))['code']).toBe('credentials_required');

    // A new connection gets its own sealed row; the organization's sealed rows are only its own.
    const fresh = await createVersori(org, 'tenant-new', `${CANARY}-new`);
    expect(
      raw((db) =>
        db.prepare('SELECT connection_id FROM credentials WHERE organization_id = ?').pluck().all(org),
      ),
    ).toEqual([fresh.id]);
    expect(
      (
        await gw.call('PATCH', `/v1/organizations/${org}/connections/${fresh.id}`, {
          body: { name: 'tenant-new-2' },
        })
      ).status,
    ).toBe(200);

    // Its events start at its own creation; an event of the earlier organization is not a position in them.
    const list = await events(org);
    // The list found its upstream connections (each a connection.discovered), then the create and change.
    expect(list.map((e) => e.type)).toEqual([
      'organization.created',
      ...listed.map(() => 'connection.discovered'),
      'connection.created',
      'connection.updated',
    ]);
    expect(list.map((e) => e.id)).not.toContain(oldEvents[0]?.id);
    const stale = await gw.call('GET', `/v1/organizations/${org}/events?after=${oldEvents[0]?.id}`);
    expect(stale.status).toBe(400);
    expect(gw.logs.text()).not.toContain(CANARY);
  });

  it('a connection whose create was under way when its organization was deleted is not kept: 404 naming what the provider holds, no row, no sealed copy', async () => {
    const org = 'racing';
    expect(
      (
        await gw.call('POST', '/v1/organizations', {
          body: { id: org, name: 'Racing', links: { versori: DEMO_ORGANISATION.id } },
        })
      ).status,
    ).toBe(201);
    // Versori holds the create's answer back; the organization is deleted once the request has reached it.
    sim.kit.fault({ method: 'POST', path: '/connections$', latencyMs: 300, times: 1 });
    const seen = sim.kit.requests.length;
    const creating = gw.call('POST', `/v1/organizations/${org}/connections`, {
      body: {
        provider: 'versori',
        kind: 'app_apikey',
        name: 'late',
        credentials: { type: 'api_key', api_key: `${CANARY}-late` },
      },
    });
    while (!sim.kit.requests.slice(seen).some((r) => r.method === 'POST'))
      await new Promise((r) => setImmediate(r));
    expect((await gw.call('DELETE', `/v1/organizations/${org}`)).status).toBe(204);
    const res = await creating;
    expect(res.status).toBe(404);
    const problem = await json<{ code: string; detail: string; provider: string }>(res);
    expect(problem).toMatchObject({ code: 'not_found', provider: 'versori' });
    expect(problem.detail).toMatch(
      /^Organization "racing" was deleted while the connection was being created; provider versori holds it as \S+, which the gateway does not keep\.$/,
    );
    expect(
      raw((db) => db.prepare('SELECT COUNT(*) FROM connections WHERE organization_id = ?').pluck().get(org)),
    ).toBe(0);
    expect(
      raw((db) => db.prepare('SELECT COUNT(*) FROM credentials WHERE organization_id = ?').pluck().get(org)),
    ).toBe(0);
    expect(JSON.stringify(problem)).not.toContain(CANARY);
  });
});
