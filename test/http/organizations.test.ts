import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leenProvider } from '../../src/providers/leen/definition.js';
import { json, startGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
/** A Leen organization id (a UUID, as Leen documents it). */
const LEEN_ORG = '5d3e0c1a-7b2f-4e6d-9a8c-1f2e3d4c5b6a';
// A configured provider so links can be made; organization routes never call it (port 9: discard).
beforeAll(async () => {
  gw = await startGateway({
    definitions: [leenProvider],
    providers: [{ id: 'leen', type: 'leen', apiKey: 'k', baseUrl: 'http://127.0.0.1:9' }],
  });
});
afterAll(async () => {
  await gw.close();
});

describe('organizations (contract §3)', () => {
  it('creates with a given id, reads, lists, patches and deletes', async () => {
    const created = await gw.call('POST', '/v1/organizations', { body: { id: 'acme', name: 'Acme' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/v1/organizations/acme');
    const org = await json(created);
    expect(org).toMatchObject({ id: 'acme', name: 'Acme', links: {} });
    expect(org['created_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    expect((await gw.call('POST', '/v1/organizations', { body: { id: 'acme', name: 'Again' } })).status).toBe(
      409,
    );
    expect(await json(await gw.call('GET', '/v1/organizations/acme'))).toMatchObject({ name: 'Acme' });

    const patched = await gw.call('PATCH', '/v1/organizations/acme', { body: { name: 'Acme Corp' } });
    expect(patched.status).toBe(200);
    expect(await json(patched)).toMatchObject({ name: 'Acme Corp' });

    expect((await gw.call('DELETE', '/v1/organizations/acme')).status).toBe(204);
    expect((await gw.call('GET', '/v1/organizations/acme')).status).toBe(404);
  });

  it('generates an id when none is given', async () => {
    const org = await json(await gw.call('POST', '/v1/organizations', { body: { name: 'No id' } }));
    expect(org['id']).toMatch(/^org_[a-z0-9]{20}$/);
  });

  it('rejects links to providers that are not configured, naming the pointer', async () => {
    const res = await gw.call('POST', '/v1/organizations', { body: { name: 'x', links: { nope: 'abc' } } });
    expect(res.status).toBe(400);
    const p = await json<{ code: string; errors: Array<{ pointer: string }> }>(res);
    expect(p.code).toBe('validation_failed');
    expect(p.errors.map((e) => e.pointer)).toEqual(['/links/nope']);
  });

  it('rejects bad ids and unknown fields with one pointer each', async () => {
    const res = await gw.call('POST', '/v1/organizations', {
      body: { id: 'bad id!', name: '', colour: 'red' },
    });
    expect(res.status).toBe(400);
    const pointers = (await json<{ errors: Array<{ pointer: string }> }>(res)).errors
      .map((e) => e.pointer)
      .sort();
    expect(pointers).toEqual(['/colour', '/id', '/name']);
  });

  it('refuses a name holding NUL (PostgreSQL text cannot store it) on create and PATCH, naming /name', async () => {
    for (const [method, path] of [
      ['POST', '/v1/organizations'],
      ['PATCH', '/v1/organizations/nul-test'],
    ] as const) {
      if (method === 'PATCH')
        expect(
          (await gw.call('POST', '/v1/organizations', { body: { id: 'nul-test', name: 'ok' } })).status,
        ).toBe(201);
      const res = await gw.call(method, path, { body: { name: 'a\u0000b' } });
      expect(res.status).toBe(400);
      expect((await json<{ errors: Array<{ pointer: string }> }>(res)).errors.map((e) => e.pointer)).toEqual([
        '/name',
      ]);
    }
  });

  it('paginates with an opaque cursor, every item exactly once', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `page-${i}`);
    for (const id of ids)
      expect((await gw.call('POST', '/v1/organizations', { body: { id, name: id } })).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = await json<{ data: Array<{ id: string }>; next_cursor: string | null }>(
        await gw.call('GET', `/v1/organizations?limit=3${q}`),
      );
      expect(page.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.data.map((o) => o.id));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor && pages < 20);
    const all = await json<{ data: Array<{ id: string }> }>(
      await gw.call('GET', '/v1/organizations?limit=200'),
    );
    expect(seen).toEqual(all.data.map((o) => o.id));
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);
  });

  it('answers 400 for a forged cursor and for limits out of range', async () => {
    const forged =
      Buffer.from(JSON.stringify({ after: 'a' })).toString('base64url') + '.AAAAAAAAAAAAAAAAAAAAAA';
    const res = await gw.call('GET', `/v1/organizations?cursor=${forged}`);
    expect(res.status).toBe(400);
    expect((await json<{ errors: Array<{ pointer: string }> }>(res)).errors[0]?.pointer).toBe('/cursor');
    expect((await gw.call('GET', '/v1/organizations?limit=0')).status).toBe(400);
    expect((await gw.call('GET', '/v1/organizations?limit=201')).status).toBe(400);
  });

  it('adds and removes links with a merge patch (null removes); unknown provider ids are 400', async () => {
    const created = await gw.call('POST', '/v1/organizations', {
      body: { id: 'links', name: 'L', links: { leen: LEEN_ORG } },
    });
    expect(await json(created)).toMatchObject({ links: { leen: LEEN_ORG } });
    const renamed = await gw.call('PATCH', '/v1/organizations/links', { body: { name: 'L2' } });
    expect(await json(renamed)).toMatchObject({ name: 'L2', links: { leen: LEEN_ORG } });
    const removed = await gw.call('PATCH', '/v1/organizations/links', { body: { links: { leen: null } } });
    expect(removed.status).toBe(200);
    expect((await json(removed))['links']).toEqual({});
    const ghost = await gw.call('PATCH', '/v1/organizations/links', { body: { links: { ghost: null } } });
    expect(ghost.status).toBe(400);
    expect((await json<{ errors: Array<{ pointer: string }> }>(ghost)).errors[0]?.pointer).toBe(
      '/links/ghost',
    );
  });
});
