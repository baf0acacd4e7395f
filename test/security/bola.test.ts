import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/core/caller.js';
import { startTenants, type Tenants } from './helpers.js';

/**
 * The BOLA matrix, generated from the gateway's own OpenAPI document (never a hand list): every /v1
 * operation is tried with a key of tenant `acme` on tenant `globex`'s organization and connection
 * (404, nothing of globex in the answer), and with a key lacking the operation's declared scope
 * (403). A route added without a declared scope fails the OpenAPI test; one added with a scope is
 * covered here without a line changing.
 */

type Op = { method: string; path: string; scope: string };

let t: Tenants;
let ops: Op[];
const ALL: string[] = [...SCOPES];

beforeAll(async () => {
  t = await startTenants();
  const doc = (await (await fetch(`${t.gw.url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { security?: Array<{ bearer: string[] }> }>>;
  };
  ops = Object.entries(doc.paths)
    .filter(([p]) => p.startsWith('/v1/'))
    .flatMap(([path, byMethod]) =>
      Object.entries(byMethod).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        scope: op.security?.[0]?.bearer[0] ?? '(none)',
      })),
    );
});
afterAll(() => t.close());

const fill = (path: string, org: string, id: string) =>
  path.replace('{org}', org).replace('{id}', id).replace('{delivery_id}', 'dl_none');
const bodyFor = (method: string) => (method === 'GET' || method === 'DELETE' ? undefined : {});

describe('BOLA matrix', () => {
  it('covers every /v1 operation of the document', () => {
    expect(ops.length).toBeGreaterThanOrEqual(18);
    expect(ops.filter((o) => o.scope === '(none)')).toEqual([]);
  });

  it("a key of acme on globex's organization or connection: 404 and nothing of globex, for every operation with an organization", async () => {
    const acme = await t.key({ organization_ids: ['acme'], scopes: ALL });
    const globex = (await (
      await t.gw.call('GET', `/v1/organizations/globex/connections/${t.conn.globex}`)
    ).json()) as { name: string; external: { connection_id: string; organization_id: string } };
    const secrets = [globex.name, globex.external.connection_id, globex.external.organization_id];
    const tried: string[] = [];
    for (const op of ops.filter((o) => o.path.includes('{org}'))) {
      for (const [org, id] of [
        ['globex', t.conn.globex],
        ['acme', t.conn.globex],
      ] as const) {
        if (org === 'acme' && !op.path.includes('{id}')) continue; // acme's own organization: nothing foreign to find
        const path = fill(op.path, org, id);
        const res = await t.as(acme, op.method, path, bodyFor(op.method));
        const text = await res.text();
        expect(res.status, `${op.method} ${path}`).toBe(404);
        for (const secret of secrets) expect(text, `${op.method} ${path}`).not.toContain(secret);
        tried.push(`${op.method} ${op.path}`);
      }
    }
    expect(new Set(tried).size).toBe(ops.filter((o) => o.path.includes('{org}')).length);
    // Nothing changed at globex.
    expect(
      (
        (await (await t.gw.call('GET', `/v1/organizations/globex/connections/${t.conn.globex}`)).json()) as {
          name: string;
        }
      ).name,
    ).toBe('globex-secret-name');
  });

  it("operations without an organization keep to the key's organizations", async () => {
    const acme = await t.key({ organization_ids: ['acme'], scopes: ALL });
    const list = (await (await t.as(acme, 'GET', '/v1/organizations?limit=200')).json()) as {
      data: Array<{ id: string }>;
    };
    expect(list.data.map((o) => o.id)).toEqual(['acme']);
    expect((await t.as(acme, 'POST', '/v1/organizations', { id: 'globex', name: 'taken over' })).status).toBe(
      403,
    );
    expect((await t.as(acme, 'POST', '/v1/organizations', { name: 'no id given' })).status).toBe(403);
  });

  it('a key without the declared scope gets 403 on its own organization, for every operation', async () => {
    const keys = new Map<string, string>();
    for (const scope of [...ALL, 'admin']) {
      const others = ALL.filter((s) => s !== scope);
      keys.set(scope, await t.key({ organization_ids: ['acme'], scopes: others }));
    }
    for (const op of ops) {
      const path = fill(op.path, 'acme', t.conn.acme);
      const res = await t.as(keys.get(op.scope) as string, op.method, path, bodyFor(op.method));
      expect(res.status, `${op.method} ${path} without ${op.scope}`).toBe(403);
    }
    // Nothing changed at acme either.
    expect((await t.gw.call('GET', `/v1/organizations/acme/connections/${t.conn.acme}`)).status).toBe(200);
  });
});
