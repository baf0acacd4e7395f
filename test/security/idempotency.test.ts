import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Connection } from '../../src/core/connection.js';
import { leenProvider } from '../../src/providers/leen/definition.js';
import { startLeenSimulator, type LeenSimulator } from '../../src/providers/leen/simulator/index.js';
import { ADMIN_KEY, json, startGateway, type TestGateway } from '../helpers/gateway.js';

/** Idempotency-Key (contract §5.4) and creates that never orphan, through real HTTP to a Leen simulator. */

const KEY = 'test-idem-leen-key';
let sim: LeenSimulator;
let gw: TestGateway;
const BASE = '/v1/organizations/acme/connections';
const POSTS = '/connections$';

beforeAll(async () => {
  sim = await startLeenSimulator({ apiKey: KEY });
  const org = (
    (await (
      await fetch(`${sim.url}/provisioning/organizations`, {
        method: 'POST',
        headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
        body: '{"name":"Acme"}',
      })
    ).json()) as { id: string }
  ).id;
  gw = await startGateway({
    definitions: [leenProvider],
    providers: [
      { id: 'leen', type: 'leen', apiKey: KEY, baseUrl: sim.url, timeoutMs: 300, retry: { attempts: 1 } },
    ],
  });
  expect(
    (await gw.call('POST', '/v1/organizations', { body: { id: 'acme', name: 'Acme', links: { leen: org } } }))
      .status,
  ).toBe(201);
});
afterAll(async () => {
  await gw.close();
  await sim.close();
});
beforeEach(() => sim.kit.clearFaults());

let n = 0;
const body = (name = `tenable-${++n}`) => ({
  provider: 'leen',
  kind: 'TENABLE',
  name,
  credentials: { client_key: 'ck', secret_key: 'sk' },
});
const create = (key: string, b: unknown, headers: Record<string, string> = {}) =>
  gw.call('POST', BASE, { body: b, headers: { 'idempotency-key': key, ...headers } });
const upstreamPosts = () => sim.kit.count('POST', new RegExp(POSTS));
const upstreamCount = () => sim.state.connections.length;

describe('Idempotency-Key', () => {
  it('the same key and body: the first answer again, Idempotent-Replayed, no second upstream call', async () => {
    const b = body();
    const first = await create('k-replay', b);
    expect(first.status).toBe(201);
    const posts = upstreamPosts();
    const again = await create('k-replay', { ...b });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    for (const h of ['etag', 'location', 'content-type'])
      expect(again.headers.get(h)).toBe(first.headers.get(h));
    expect(await again.text()).toBe(await first.text());
    expect(upstreamPosts()).toBe(posts);
  });

  it('the same body written another way (key order, spacing) is the same request', async () => {
    const b = body();
    expect((await create('k-canonical', b)).status).toBe(201);
    const reordered = JSON.stringify(
      { credentials: b.credentials, name: b.name, kind: b.kind, provider: b.provider },
      null,
      2,
    );
    const res = await gw.call('POST', BASE, {
      raw: reordered,
      headers: { 'idempotency-key': 'k-canonical', 'content-type': 'application/json' },
    });
    expect(res.headers.get('idempotent-replayed')).toBe('true');
  });

  it('the same key with another body is 422 idempotency_key_reused, and nothing is called', async () => {
    expect((await create('k-reused', body())).status).toBe(201);
    const posts = upstreamPosts();
    const res = await create('k-reused', body());
    expect(res.status).toBe(422);
    expect(await json(res)).toMatchObject({ code: 'idempotency_key_reused' });
    expect(upstreamPosts()).toBe(posts);
  });

  it('while the first still runs: 409 idempotency_in_progress with Retry-After', async () => {
    sim.kit.fault({ method: 'POST', path: POSTS, latencyMs: 250, times: 1 });
    const b = body();
    const posts = upstreamPosts();
    const first = create('k-running', b);
    await vi.waitFor(() => expect(upstreamPosts()).toBe(posts + 1));
    const second = await create('k-running', b);
    expect(second.status).toBe(409);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(await json(second)).toMatchObject({ code: 'idempotency_in_progress' });
    expect((await first).status).toBe(201);
    expect((await create('k-running', b)).headers.get('idempotent-replayed')).toBe('true');
  });

  it("keys belong to their caller: another key's same Idempotency-Key runs on its own", async () => {
    const other = (
      await json<{ key: string }>(
        await gw.call('POST', '/v1/api-keys', {
          body: { name: 'other', organization_ids: ['acme'], scopes: ['connections:write'] },
        }),
      )
    ).key;
    expect((await create('k-shared', body('shared-a'))).status).toBe(201);
    const res = await create('k-shared', body('shared-b'), { authorization: `Bearer ${other}` });
    expect(res.status).toBe(201);
    expect(res.headers.get('idempotent-replayed')).toBeNull();
    expect((await json<Connection>(res)).name).toBe('shared-b');
  });

  it('a provider failure (5xx) frees the key: the retry runs, and makes one connection', async () => {
    sim.kit.fault({ method: 'POST', path: POSTS, status: 500, times: 1 });
    const b = body();
    const before = upstreamCount();
    expect((await create('k-5xx', b)).status).toBe(502);
    const res = await create('k-5xx', b);
    expect(res.status).toBe(201);
    expect(res.headers.get('idempotent-replayed')).toBeNull();
    expect(upstreamCount()).toBe(before + 1);
  });

  it('a lost answer (the provider made it, the gateway timed out): the retry finds it instead of making a second one', async () => {
    sim.kit.fault({ method: 'POST', path: POSTS, stallAfter: true, times: 1 });
    const b = body();
    const before = upstreamCount();
    const lost = await create('k-lost', b);
    expect(lost.status).toBe(504);
    expect(upstreamCount()).toBe(before + 1);
    const posts = upstreamPosts();
    const retried = await create('k-lost', b);
    expect(retried.status).toBe(201);
    const conn = await json<Connection>(retried);
    expect(conn).toMatchObject({ name: b.name, credentials: { stored: true } });
    expect(upstreamPosts()).toBe(posts);
    expect(upstreamCount()).toBe(before + 1);
    // …and a list shows it once, under the same id.
    const list = await json<{ data: Connection[] }>(await gw.call('GET', `${BASE}?limit=200`));
    expect(list.data.filter((c) => c.name === b.name).map((c) => c.id)).toEqual([conn.id]);
  });

  it("a lost answer without a key: the next list adopts the connection under the create's id, with its credentials", async () => {
    sim.kit.fault({ method: 'POST', path: POSTS, stallAfter: true, times: 1 });
    const b = body();
    expect((await gw.call('POST', BASE, { body: b })).status).toBe(504);
    const list = await json<{ data: Connection[] }>(await gw.call('GET', `${BASE}?limit=200`));
    const adopted = list.data.filter((c) => c.name === b.name);
    expect(adopted).toHaveLength(1);
    expect(adopted[0]?.credentials.stored).toBe(true);
    const events = await json<{ data: Array<{ type: string; connection_id: string; actor: string }> }>(
      await gw.call('GET', '/v1/organizations/acme/events?limit=200'),
    );
    expect(
      events.data.filter((e) => e.connection_id === adopted[0]?.id).map((e) => [e.type, e.actor]),
    ).toEqual([['connection.created', 'admin']]);
  });

  it('PATCH with a key: replayed without a second upstream PATCH', async () => {
    const conn = await json<Connection>(await create('k-for-patch', body()));
    const patch = () =>
      gw.call('PATCH', `${BASE}/${conn.id}`, {
        body: { name: 'patched-once' },
        headers: { 'idempotency-key': 'k-patch' },
      });
    expect((await patch()).status).toBe(200);
    const patches = sim.kit.count('PATCH', /./);
    const again = await patch();
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(sim.kit.count('PATCH', /./)).toBe(patches);
  });

  it('a bad key is 400 naming the header', async () => {
    const res = await create('x'.repeat(256), body());
    expect(res.status).toBe(400);
    expect(JSON.stringify(await json(res))).toContain('idempotency-key');
  });

  it('a foreign organization is 404 before any key is claimed', async () => {
    const res = await gw.call('POST', '/v1/organizations/nowhere/connections', {
      body: body(),
      headers: { 'idempotency-key': 'k-404', authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(res.status).toBe(404);
  });
});
