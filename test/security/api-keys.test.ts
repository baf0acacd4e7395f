import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY_PREFIX, isWellFormedApiKey, newApiKey } from '../../src/core/api-key-token.js';
import { json } from '../helpers/gateway.js';
import { startTenants, type Tenants } from './helpers.js';

/** API keys (contract §2): made by the admin, shown once, stored as a hash, narrowed to organizations and scopes, revoked at once. */

let t: Tenants;
beforeAll(async () => {
  t = await startTenants();
});
afterAll(() => t.close());

type Problem = { status: number; code: string; detail: string; errors?: Array<{ pointer: string }> };

describe('the key format', () => {
  it('has a recognisable prefix and a checksum: a mistyped key is refused without a lookup', () => {
    const key = newApiKey();
    expect(key.startsWith(API_KEY_PREFIX)).toBe(true);
    expect(isWellFormedApiKey(key)).toBe(true);
    const last = key.at(-8) as string;
    const typo = `${key.slice(0, -8)}${last === 'a' ? 'b' : 'a'}${key.slice(-7)}`;
    expect(isWellFormedApiKey(typo)).toBe(false);
    expect(isWellFormedApiKey(key.slice(0, -1))).toBe(false);
    expect(new Set(Array.from({ length: 200 }, newApiKey)).size).toBe(200);
  });
});

describe('/v1/api-keys', () => {
  it('the admin makes a key: shown once, never listed, stored only as a hash', async () => {
    const res = await t.gw.call('POST', '/v1/api-keys', {
      body: { name: 'ci', organization_ids: ['acme'], scopes: ['connections:read'] },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const created = await json<{
      id: string;
      key: string;
      name: string;
      organization_ids: string[];
      scopes: string[];
      created_at: string;
    }>(res);
    expect(created).toMatchObject({
      name: 'ci',
      organization_ids: ['acme'],
      scopes: ['connections:read'],
      id: expect.stringMatching(/^key_/),
    });
    expect(isWellFormedApiKey(created.key)).toBe(true);

    const list = await (await t.gw.call('GET', '/v1/api-keys?limit=200')).text();
    expect(list).toContain(created.id);
    expect(list).not.toContain(created.key);
    expect(list).not.toContain('hash');
    for (const f of ['gateway.db', 'gateway.db-wal']) {
      let bytes = '';
      try {
        bytes = readFileSync(join(t.gw.dir, f)).toString('latin1');
      } catch {
        /* no WAL file */
      }
      expect(bytes).not.toContain(created.key);
    }
  });

  it('refuses "*" mixed with organizations, unknown scopes and empty lists, naming the field', async () => {
    for (const [body, pointer] of [
      [{ name: 'x', organization_ids: ['*', 'acme'], scopes: ['connections:read'] }, '/organization_ids'],
      [{ name: 'x', organization_ids: ['acme'], scopes: ['connections:admin'] }, '/scopes/0'],
      [{ name: 'x', organization_ids: [], scopes: ['connections:read'] }, '/organization_ids'],
      [{ name: 'x', organization_ids: ['acme'], scopes: [] }, '/scopes'],
    ] as const) {
      const res = await t.gw.call('POST', '/v1/api-keys', { body });
      expect(res.status).toBe(400);
      expect((await json<Problem>(res)).errors?.map((e) => e.pointer)).toContain(pointer);
    }
  });

  it('is for the admin key alone: an API key with every scope gets 403 there', async () => {
    const key = await t.key({
      organization_ids: ['*'],
      scopes: ['connections:read', 'connections:write', 'organizations:read', 'organizations:write'],
    });
    for (const [method, path] of [
      ['GET', '/v1/api-keys'],
      ['POST', '/v1/api-keys'],
      ['DELETE', '/v1/api-keys/key_x'],
    ] as const) {
      const res = await t.as(
        key,
        method,
        path,
        method === 'POST' ? { name: 'x', organization_ids: ['*'], scopes: ['connections:read'] } : undefined,
      );
      expect(res.status, `${method} ${path}`).toBe(403);
    }
  });

  it('a revoked key stops working at once; revoking again is 404', async () => {
    const created = await json<{ id: string; key: string }>(
      await t.gw.call('POST', '/v1/api-keys', {
        body: { name: 'short-lived', organization_ids: ['acme'], scopes: ['organizations:read'] },
      }),
    );
    expect((await t.as(created.key, 'GET', '/v1/organizations/acme')).status).toBe(200);
    expect((await t.gw.call('DELETE', `/v1/api-keys/${created.id}`)).status).toBe(204);
    const after = await t.as(created.key, 'GET', '/v1/organizations/acme');
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toBe('Bearer');
    expect((await t.gw.call('DELETE', `/v1/api-keys/${created.id}`)).status).toBe(404);
    expect(await (await t.gw.call('GET', '/v1/api-keys?limit=200')).text()).not.toContain(created.id);
    // Both are in the gateway's own audit trail (admin only), never with the key.
    const trail = await (await t.gw.call('GET', '/v1/events?limit=200')).text();
    expect(trail).not.toContain(created.key);
    const events = (
      JSON.parse(trail) as {
        data: Array<{ type: string; organization_id: string; api_key_id?: string; actor: string }>;
      }
    ).data.filter((e) => e.api_key_id === created.id);
    expect(events.map((e) => [e.type, e.organization_id, e.actor])).toEqual([
      ['api_key.created', '', 'admin'],
      ['api_key.revoked', '', 'admin'],
    ]);
  });

  it('no key, an unknown key, a malformed key: 401', async () => {
    for (const key of [newApiKey(), 'pbk_short', 'not-a-key'])
      expect((await t.as(key, 'GET', '/v1/organizations')).status).toBe(401);
    expect((await t.gw.call('GET', '/v1/organizations', { headers: { authorization: '' } })).status).toBe(
      401,
    );
  });
});

describe('what a key may do', () => {
  it('sees only its organizations: another one is 404 exactly as if it did not exist, and lists leave it out', async () => {
    const key = await t.key({
      organization_ids: ['acme'],
      scopes: ['organizations:read', 'connections:read'],
    });
    const foreign = await t.as(key, 'GET', '/v1/organizations/globex');
    const missing = await t.as(key, 'GET', '/v1/organizations/nowhere');
    expect(foreign.status).toBe(404);
    const [a, b] = [await json<Problem>(foreign), await json<Problem>(missing)];
    expect({ ...a, detail: a.detail.replace('globex', 'X') }).toMatchObject({
      ...b,
      detail: b.detail.replace('nowhere', 'X'),
      request_id: expect.any(String),
    });
    const list = await json<{ data: Array<{ id: string }> }>(
      await t.as(key, 'GET', '/v1/organizations?limit=200'),
    );
    expect(list.data.map((o) => o.id)).toEqual(['acme']);
  });

  it('a key without the scope gets 403, before its body is looked at', async () => {
    const readOnly = await t.key({ organization_ids: ['acme'], scopes: ['connections:read'] });
    const res = await t.as(readOnly, 'PATCH', `/v1/organizations/acme/connections/${t.conn.acme}`, {
      not: 'valid',
    });
    expect(res.status).toBe(403);
    expect(await json<Problem>(res)).toMatchObject({ code: 'forbidden' });
    expect((await t.as(readOnly, 'GET', `/v1/organizations/acme/connections/${t.conn.acme}`)).status).toBe(
      200,
    );
  });

  it('acts as itself in audit events', async () => {
    const created = await json<{ id: string; key: string }>(
      await t.gw.call('POST', '/v1/api-keys', {
        body: {
          name: 'writer',
          organization_ids: ['acme'],
          scopes: ['connections:write', 'organizations:read'],
        },
      }),
    );
    expect(
      (
        await t.as(created.key, 'PATCH', `/v1/organizations/acme/connections/${t.conn.acme}`, {
          name: 'renamed-by-key',
        })
      ).status,
    ).toBe(200);
    const events = await json<{ data: Array<{ type: string; actor: string }> }>(
      await t.as(created.key, 'GET', '/v1/organizations/acme/events?limit=200'),
    );
    expect(events.data.at(-1)).toMatchObject({ type: 'connection.updated', actor: `key:${created.id}` });
  });
});
