import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config.js';
import type { Connection } from '../../../src/core/connection.js';
import { DEMO_ORGANISATION } from '../../../src/providers/versori/fixtures.js';
import { versoriProvider } from '../../../src/providers/versori/definition.js';
import {
  startVersoriSimulator,
  type VersoriSimulator,
} from '../../../src/providers/versori/simulator/index.js';
import { storedSecretFingerprint } from '../../../src/providers/versori/simulator/state.js';
import { fingerprint } from '../../../src/simulator/fingerprint.js';
import { json, startGateway, type TestGateway } from '../../helpers/gateway.js';
import { specChecker } from './harness.js';
import { SwitchboardSpec } from './spec.js';

/**
 * PATCH over PUT through the whole gateway (contract §5.2, §5.3): the per-connection lock, the
 * replay of sealed credentials, 409 without a stored copy, and secrets that never leak.
 */

const ORG = 'acme';
const base = `/v1/organizations/${ORG}/connections`;
let sim: VersoriSimulator;
let gw: TestGateway;
let specProblems: () => string[];

beforeAll(async () => {
  sim = await startVersoriSimulator({ seedDemo: true, recordExchanges: true });
  specProblems = specChecker(await SwitchboardSpec.load(), sim);
  gw = await startGateway({
    definitions: [versoriProvider],
    providers: [{ id: 'versori', type: 'versori', apiKey: sim.apiKey, baseUrl: sim.baseUrl }],
  });
  await gw.call('POST', '/v1/organizations', {
    body: { id: ORG, name: 'Acme', links: { versori: DEMO_ORGANISATION.id } },
  });
});
/** PUT requests already checked for their `data`. */
let putsChecked = 0;
// Every request the gateway caused upstream, and every answer, conforms to Versori's published
// spec; and, said explicitly, no PUT ever left without `data` (Switchboard's update replaces name
// and secret together, so the gateway sends the submitted or the replayed credentials every time).
afterEach(() => {
  expect(specProblems()).toEqual([]);
  const fresh = sim.kit.requests.filter((r) => r.method === 'PUT').slice(putsChecked);
  putsChecked += fresh.length;
  for (const put of fresh) {
    const body = JSON.parse(put.body) as { name?: unknown; data?: unknown };
    expect(typeof body.name).toBe('string');
    expect(body.data).toBeTypeOf('object');
    expect(body.data).not.toBeNull();
  }
});
afterAll(async () => {
  await gw.close();
  await sim.close();
});

const upstream = (c: Connection) =>
  sim.state.organisations[DEMO_ORGANISATION.id]?.connections[c.external.connection_id];
const secretOf = (c: Connection) =>
  storedSecretFingerprint(sim.state, DEMO_ORGANISATION.id, c.external.connection_id);
/** GET and PUT requests the simulator received for one connection, in order. */
const traffic = (c: Connection) =>
  sim.kit.requests
    .filter(
      (r) =>
        r.path.endsWith(`/connections/${c.external.connection_id}`) &&
        (r.method === 'GET' || r.method === 'PUT'),
    )
    .map((r) => r.method);

async function create(name: string, apiKey: string): Promise<Connection> {
  const res = await gw.call('POST', base, {
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

/** A connection made in Versori directly, so the gateway holds no copy of its credentials. */
async function createOutside(name: string): Promise<Connection> {
  const res = await fetch(`${sim.baseUrl}/organisations/${DEMO_ORGANISATION.id}/connections`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name,
      appId: 'app_apikey',
      authType: 'apikey',
      data: { apiKey: `outside-${name}` },
    }),
  });
  expect(res.status).toBe(201);
  const externalId = ((await res.json()) as { id: string }).id;
  const list = await json<{ data: Connection[] }>(await gw.call('GET', `${base}?limit=200`));
  const found = list.data.find((c) => c.external.connection_id === externalId);
  if (!found) throw new Error(`the gateway did not list ${externalId}`);
  expect(found.credentials.stored).toBe(false);
  return found;
}

const patch = (c: Connection, body: unknown) => gw.call('PATCH', `${base}/${c.id}`, { body });

describe('Versori PATCH over PUT', () => {
  it('lost-update test: 50 rounds of a name PATCH racing a credentials PATCH lose nothing, one PUT each', async () => {
    const c = await create('race', 'key-start');
    const putsBefore = traffic(c).filter((m) => m === 'PUT').length;
    for (let round = 0; round < 50; round++) {
      const [a, b] = await Promise.all([
        patch(c, { name: `name-${round}` }),
        patch(c, { credentials: { type: 'api_key', api_key: `key-${round}` } }),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(upstream(c)?.name).toBe(`name-${round}`);
      expect(secretOf(c)).toBe(fingerprint({ apiKey: `key-${round}` }));
      expect(traffic(c).filter((m) => m === 'PUT').length - putsBefore).toBe(2 * (round + 1));
    }
    // The lock serialises read-merge-write: the upstream saw GET,PUT pairs, never GET,GET,PUT,PUT.
    const pairs = traffic(c).slice(traffic(c).indexOf('GET'));
    expect(pairs.join(',')).toMatch(/^(GET,PUT,)*GET,PUT$/);
    expect(sim.exchanges.length).toBeGreaterThan(200); // what afterEach checks against the spec is real traffic
  });

  it('50 name PATCHes at once: the final name is one of them, 50 PUTs, never interleaved', async () => {
    const c = await create('herd', 'key-herd');
    const before = traffic(c).length;
    const names = Array.from({ length: 50 }, (_, i) => `herd-${i}`);
    const results = await Promise.all(names.map((name) => patch(c, { name })));
    expect(results.map((r) => r.status)).toEqual(names.map(() => 200));
    expect(names).toContain(upstream(c)?.name);
    const after = traffic(c).slice(before);
    expect(after.filter((m) => m === 'PUT')).toHaveLength(50);
    expect(after.join(',')).toMatch(/^(GET,PUT,)*GET,PUT$/);
    expect(secretOf(c)).toBe(fingerprint({ apiKey: 'key-herd' })); // replayed every time, never dropped
  });

  it('PATCH of a connection whose credentials the gateway never saw is 409 credentials_required with zero upstream writes', async () => {
    const outside = await createOutside('made-outside');
    const puts = sim.kit.count('PUT', /\/connections\//);
    const res = await patch(outside, { name: 'renamed' });
    expect(res.status).toBe(409);
    const p = await json<{ code: string; errors: Array<{ pointer: string }> }>(res);
    expect(p.code).toBe('credentials_required');
    expect(p.errors[0]?.pointer).toBe('/credentials');
    expect(sim.kit.count('PUT', /\/connections\//)).toBe(puts);
    expect(upstream(outside)?.name).toBe('made-outside');
    // Sending the credentials once makes later patches work.
    expect(
      (await patch(outside, { name: 'renamed', credentials: { type: 'api_key', api_key: 'now-known' } }))
        .status,
    ).toBe(200);
    expect((await patch(outside, { name: 'renamed again' })).status).toBe(200);
    expect(secretOf(outside)).toBe(fingerprint({ apiKey: 'now-known' }));
  });

  it('a gateway PUT without credentials sends the stored copy in data; with none stored it is 409 and nothing is sent', async () => {
    const c = await create('put-replay', 'key-put-replay');
    const puts = sim.kit.count('PUT', /\/connections\//);
    expect((await gw.call('PUT', `${base}/${c.id}`, { body: { name: 'put-replayed' } })).status).toBe(200);
    expect(sim.kit.count('PUT', /\/connections\//)).toBe(puts + 1);
    expect(JSON.parse(sim.kit.requests.filter((r) => r.method === 'PUT').at(-1)?.body ?? '{}')).toEqual({
      name: 'put-replayed',
      data: { apiKey: 'key-put-replay' },
    });
    expect(upstream(c)?.name).toBe('put-replayed');

    const outside = await createOutside('put-outside');
    const res = await gw.call('PUT', `${base}/${outside.id}`, { body: { name: 'never-sent' } });
    expect(res.status).toBe(409);
    expect((await json(res))['code']).toBe('credentials_required');
    expect(sim.kit.count('PUT', /\/connections\//)).toBe(puts + 1);
    expect(upstream(outside)?.name).toBe('put-outside');
  });

  it('status is not writable (422 unsupported_change) and jobs are unsupported (422 unsupported_operation)', async () => {
    const c = await create('caps', 'key-caps');
    const status = await patch(c, { status: 'paused' });
    expect(status.status).toBe(422);
    expect((await json(status))['code']).toBe('unsupported_change');
    const jobs = await gw.call('GET', `${base}/${c.id}/jobs`);
    expect(jobs.status).toBe(422);
    expect((await json(jobs))['code']).toBe('unsupported_operation');
  });
});

describe('secrets', () => {
  const CANARY = 'canary-7f3a91d2-secret-value';

  it('a canary secret never appears in responses, errors, events, logs or the SQLite file', async () => {
    const bodies: string[] = [];
    const keep = async (res: Response) => {
      bodies.push(await res.text());
      return { status: res.status, body: bodies.at(-1) as string };
    };
    const c = JSON.parse(
      (
        await keep(
          await gw.call('POST', base, {
            body: {
              provider: 'versori',
              kind: 'app_apikey',
              name: 'canary',
              credentials: { type: 'api_key', api_key: CANARY },
            },
          }),
        )
      ).body,
    ) as Connection;
    expect(c.credentials).toMatchObject({ configured: true, stored: true, type: 'api_key' });
    await keep(await gw.call('GET', `${base}/${c.id}`));
    await keep(await gw.call('GET', `${base}?limit=200`));
    await keep(await patch(c, { name: 'canary-2' }));
    // errors carrying the canary in the request: validation, unsupported change, upstream failure
    await keep(await patch(c, { credentials: { type: 'api_key', api_key: CANARY, extra: CANARY } }));
    await keep(await patch(c, { status: 'paused', credentials: { type: 'api_key', api_key: CANARY } }));
    sim.kit.fault({
      method: 'PUT',
      status: 500,
      times: 3,
      body: { code: 'internal', message: `failed for ${CANARY}` },
    });
    const failed = await keep(await patch(c, { credentials: { type: 'api_key', api_key: CANARY } }));
    sim.kit.clearFaults();
    expect(failed.status).toBe(502);
    await keep(await gw.call('GET', `/v1/organizations/${ORG}/events?limit=200`));

    for (const b of bodies) expect(b).not.toContain(CANARY);
    expect(gw.logs.text()).not.toContain(CANARY);
    expect(gw.logs.lines.length).toBeGreaterThan(5);
    const db = join(gw.dir, 'gateway.db');
    for (const file of [db, `${db}-wal`])
      if (existsSync(file)) expect(readFileSync(file).includes(CANARY)).toBe(false);
    expect(secretOf(c)).toBe(fingerprint({ apiKey: CANARY })); // it did reach the provider
  });

  it('tampering: sealed rows swapped between connections fail to open; no wrong secret goes upstream', async () => {
    const a = await create('tamper-a', 'secret-of-a');
    const b = await create('tamper-b', 'secret-of-b');
    const raw = new Database(join(gw.dir, 'gateway.db'));
    const rowOf = (id: string) =>
      raw.prepare('SELECT nonce, ciphertext, key_id FROM credentials WHERE connection_id = ?').get(id) as {
        nonce: Buffer;
        ciphertext: Buffer;
        key_id: string;
      };
    const ra = rowOf(a.id);
    const rb = rowOf(b.id);
    const put = raw.prepare(
      'UPDATE credentials SET nonce = ?, ciphertext = ?, key_id = ? WHERE connection_id = ?',
    );
    raw.transaction(() => {
      put.run(rb.nonce, rb.ciphertext, rb.key_id, a.id);
      put.run(ra.nonce, ra.ciphertext, ra.key_id, b.id);
    })();
    raw.close();

    const puts = sim.kit.count('PUT', /\/connections\//);
    for (const c of [a, b]) {
      const res = await patch(c, { name: `${c.name}-renamed` });
      expect(res.status).toBe(500);
      const p = await json<{ code: string; detail: string; request_id: string }>(res);
      expect(p.code).toBe('internal');
      expect(p.detail).toMatch(/integrity check/);
    }
    expect(sim.kit.count('PUT', /\/connections\//)).toBe(puts);
    expect(secretOf(a)).toBe(fingerprint({ apiKey: 'secret-of-a' }));
    expect(secretOf(b)).toBe(fingerprint({ apiKey: 'secret-of-b' }));
    // Sending fresh credentials repairs the row.
    expect((await patch(a, { credentials: { type: 'api_key', api_key: 'fresh-a' } })).status).toBe(200);
    expect((await patch(a, { name: 'repaired' })).status).toBe(200);
  });

  it('deleting a connection removes its sealed credentials', async () => {
    const c = await create('to-delete', 'secret-delete');
    const raw = () => new Database(join(gw.dir, 'gateway.db'), { readonly: true });
    const count = () => {
      const d = raw();
      try {
        return d.prepare('SELECT COUNT(*) FROM credentials WHERE connection_id = ?').pluck().get(c.id);
      } finally {
        d.close();
      }
    };
    expect(count()).toBe(1);
    expect((await gw.call('DELETE', `${base}/${c.id}`)).status).toBe(204);
    expect(count()).toBe(0);
  });

  it('refuses to start without an encryption key when a provider accepts credentials', async () => {
    await expect(
      startGateway({
        definitions: [versoriProvider],
        encryptionKey: null,
        providers: [{ id: 'versori', type: 'versori', apiKey: 'k' }],
      }),
    ).rejects.toThrow(ConfigError);
  });
});
