import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Connection } from '../../src/core/connection.js';
import { ADMIN_KEY, json } from '../helpers/gateway.js';
import { API_KEY, BASE, ONE, startEngine, type EngineHarness } from './harness.js';

/** Reads: identical reads share one upstream call; the read cache, its invalidation, and why If-Match never trusts it. */

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const get = (e: EngineHarness, conn: Connection, headers: Record<string, string> = {}) =>
  e.gw.call('GET', `${BASE}/${conn.id}`, { headers });

/** Renames a connection at the provider, behind the gateway's back. */
async function renameUpstream(e: EngineHarness, conn: Connection, name: string): Promise<void> {
  const res = await fetch(
    `${e.up.sim.url}/provisioning/organizations/${e.up.org}/connections/${conn.external.connection_id as string}`,
    {
      method: 'PATCH',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: name, state: 'ACTIVE' }),
    },
  );
  expect(res.status).toBe(200);
}

describe('coalescing (cache off, the default)', () => {
  it('100 identical concurrent GETs make one upstream call', async () => {
    h = await startEngine();
    const conn = await h.create();
    const before = h.seen('GET', ONE);
    // The upstream answers slowly, so all 100 are in flight together.
    h.up.sim.kit.fault({ method: 'GET', path: ONE, latencyMs: 500, times: 1 });
    const answers = await Promise.all(Array.from({ length: 100 }, () => get(h!, conn)));
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(200));
    expect(new Set(await Promise.all(answers.map((a) => a.headers.get('etag'))))).toHaveProperty('size', 1);
    expect(h.seen('GET', ONE) - before).toBe(1);
    expect(await h.metric('plugboard_upstream_coalesced_total')).toBe(99);
    // Nothing is kept afterwards: the next read goes upstream again.
    await get(h, conn);
    expect(h.seen('GET', ONE) - before).toBe(2);
  });

  it('one caller leaving does not cancel the call the others wait for', async () => {
    h = await startEngine([{ timeoutMs: 60_000 }]);
    const conn = await h.create();
    h.up.sim.kit.fault({ method: 'GET', path: ONE, latencyMs: 300, times: 1 });
    const leaving = new AbortController();
    const left = fetch(`${h.gw.url}${BASE}/${conn.id}`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      signal: leaving.signal,
    }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(h!.seen('GET', ONE)).toBe(1));
    const staying = get(h, conn);
    await vi.waitFor(async () => expect(await h!.metric('plugboard_upstream_coalesced_total')).toBe(1));
    leaving.abort();
    expect(await left).toBeInstanceOf(Error);
    expect((await staying).status).toBe(200);
    expect(h.seen('GET', ONE)).toBe(1);
  });

  it('a read that starts after a write is not joined to one in flight from before it', async () => {
    h = await startEngine();
    const conn = await h.create();
    h.up.sim.kit.fault({ method: 'GET', path: ONE, latencyMs: 300, times: 1 });
    const early = get(h, conn);
    await vi.waitFor(() => expect(h!.up.sim.kit.faults()[0]?.applied).toBe(1));
    expect((await h.gw.call('PATCH', `${BASE}/${conn.id}`, { body: { name: 'renamed' } })).status).toBe(200);
    const late = await json<Connection>(await get(h, conn));
    expect(late.name).toBe('renamed');
    expect((await early).status).toBe(200);
  });
});

describe('read cache (cache.ttlMs)', () => {
  it('serves repeated reads within the TTL, and expires them after', async () => {
    h = await startEngine([{ cache: { ttlMs: 5_000 } }]);
    const conn = await h.create();
    const before = h.seen('GET', ONE);
    for (let i = 0; i < 5; i++) expect((await get(h, conn)).status).toBe(200);
    expect(h.seen('GET', ONE) - before).toBe(1);
    expect(await h.metric('plugboard_upstream_cache_total', { result: 'hit' })).toBe(4);
    h.clock.advance(5_000);
    await get(h, conn);
    expect(h.seen('GET', ONE) - before).toBe(2);
  });

  it("the gateway's own write invalidates it: the next read shows the change", async () => {
    h = await startEngine([{ cache: { ttlMs: 60_000 } }]);
    const conn = await h.create();
    await get(h, conn);
    expect((await h.gw.call('PATCH', `${BASE}/${conn.id}`, { body: { name: 'renamed' } })).status).toBe(200);
    expect((await json<Connection>(await get(h, conn))).name).toBe('renamed');
    // Also lists of the collection the write touched.
    const list = await json<{ data: Connection[] }>(await h.gw.call('GET', BASE));
    expect(list.data.find((c) => c.id === conn.id)?.name).toBe('renamed');
  });

  it('If-Match is checked against the provider, never the cache: a stale cached ETag cannot win', async () => {
    h = await startEngine([{ cache: { ttlMs: 60_000 } }]);
    const conn = await h.create();
    const cachedEtag = (await get(h, conn)).headers.get('etag') as string;
    await renameUpstream(h, conn, 'changed-elsewhere');
    // The cache still answers the old representation for plain reads…
    expect((await get(h, conn)).headers.get('etag')).toBe(cachedEtag);
    // …but a conditional write reads the provider first, and refuses.
    const res = await h.gw.call('PATCH', `${BASE}/${conn.id}`, {
      body: { name: 'mine' },
      headers: { 'if-match': cachedEtag },
    });
    expect(res.status).toBe(412);
    expect(h.up.sim.state.connections.find((c) => c.id === conn.external.connection_id)?.identifier).toBe(
      'changed-elsewhere',
    );
    const del = await h.gw.call('DELETE', `${BASE}/${conn.id}`, { headers: { 'if-match': cachedEtag } });
    expect(del.status).toBe(412);
  });

  it("is kept per provider entry: two entries never answer from each other's cache", async () => {
    h = await startEngine([{ cache: { ttlMs: 60_000 } }, { cache: { ttlMs: 60_000 } }]);
    const a = await h.create('a', 'leen-a');
    const b = await h.create('b', 'leen-b');
    expect((await json<Connection>(await get(h, a))).name).toBe('a');
    expect((await json<Connection>(await get(h, b))).name).toBe('b');
    expect(h.seen('GET', ONE, h.upstreams[1])).toBeGreaterThanOrEqual(1);
  });
});
