import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth0Provider } from '../../src/providers/auth0/definition.js';
import type { SimulatorSetup } from '../../src/providers/definition.js';
import { definitions } from '../../src/providers/registry.js';
import { json, startGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * An organization's links become a segment of every upstream path of its connections
 * (`…/organizations/{link}/connections`): a link of `.` or `..` would turn that into a tenant-wide
 * path called with the gateway's own credentials. Links are checked at create and PATCH, for every
 * provider type, against the core's safe-segment rule and the provider's documented format.
 */

type Problem = { status: number; code: string; errors?: Array<{ pointer: string; message: string }> };

/** Refused for every provider type, whatever its format. */
const UNSAFE = ['.', '..', '%2F', '%2f', '../x', 'a/b', '', 'a\\b', '..%2F', '%5C', '%2E%2E', 'a?b', 'a#b', 'a\u0000b', 'a\nb', 'x'.repeat(201)];

/** Per provider type: ids in the provider's documented format (accepted), and ones outside it (refused). */
const FORMATS: Record<string, { valid: string[]; invalid: string[] }> = {
  // Leen: organization_id is `format: uuid`.
  leen: { valid: ['5d3e0c1a-7b2f-4e6d-9a8c-1f2e3d4c5b6a', '5D3E0C1A-7B2F-4E6D-9A8C-1F2E3D4C5B6A'], invalid: ['leen-org-1', '0b7f6c1e2d3a4b5c8d9e0f1a2b3c4d5e', '0b7f6c1e-2d3a-4b5c-8d9e-0f1a2b3c4d5', '{0b7f6c1e-2d3a-4b5c-8d9e-0f1a2b3c4d5e}'] },
  // Auth0: the organization id is a string of at most 50 characters.
  auth0: { valid: ['org_demo7hQ2mZ5KpW4n', `org_${'a'.repeat(46)}`, 'my-org-id'], invalid: [`org_${'a'.repeat(47)}`] },
  // Versori: organisationId is a string with no declared format (example '101').
  versori: { valid: ['101', 'versori-demo', '01FQ2PJ5QVA5H2A8J4V9ZA8NJS', 'a.b', 'x'.repeat(200)], invalid: [] },
};

let gw: TestGateway;
// One entry of every provider type; organization routes never call a provider (port 9: discard).
const DISCARD = 'http://127.0.0.1:9';
beforeAll(async () => {
  gw = await startGateway({
    definitions,
    providers: [
      { id: 'leen', type: 'leen', apiKey: 'k', baseUrl: DISCARD },
      { id: 'auth0', type: 'auth0', domain: 'acme.eu.auth0.com', clientId: 'c', clientSecret: 's', baseUrl: DISCARD },
      { id: 'versori', type: 'versori', apiKey: 'k', baseUrl: DISCARD },
    ],
  });
});
afterAll(async () => { await gw.close(); });

let n = 0;
const nextId = () => `links-${(n += 1)}`;

describe('organization links are checked per provider (create and PATCH)', () => {
  it('every provider type in the registry declares a link format, has cases here, and GET /v1/providers tells it', async () => {
    const listed = (await json<{ data: Array<{ id: string; type: string; link_format: string }> }>(await gw.call('GET', '/v1/providers'))).data;
    for (const d of definitions) {
      expect(FORMATS[d.type], d.type).toBeDefined();
      expect(d.linkFormat.description.length, d.type).toBeGreaterThan(0);
      expect(listed.find((p) => p.type === d.type)?.link_format).toBe(d.linkFormat.description);
    }
  });

  describe.each(definitions.map((d) => d.type))('%s', (provider) => {
    const formats = FORMATS[provider] as { valid: string[]; invalid: string[] };

    it('refuses ., .., separators (also percent-encoded), control characters, empty and over-long values at create, naming /links/<provider>', async () => {
      for (const bad of [...UNSAFE, ...formats.invalid]) {
        const res = await gw.call('POST', '/v1/organizations', { body: { id: nextId(), name: 'x', links: { [provider]: bad } } });
        expect(res.status, JSON.stringify(bad)).toBe(400);
        const p = await json<Problem>(res);
        expect(p.code).toBe('validation_failed');
        expect(p.errors?.map((e) => e.pointer), JSON.stringify(bad)).toEqual([`/links/${provider}`]);
        if (bad.length > 3) expect(p.errors?.[0]?.message).not.toContain(bad);
      }
      // Nothing was stored.
      const all = await json<{ data: Array<{ links: Record<string, string> }> }>(await gw.call('GET', '/v1/organizations?limit=200'));
      for (const o of all.data) expect([...UNSAFE, ...formats.invalid]).not.toContain(o.links[provider]);
    });

    it('refuses the same at PATCH, and the organization keeps its links', async () => {
      const id = nextId();
      const valid = formats.valid[0] as string;
      expect((await gw.call('POST', '/v1/organizations', { body: { id, name: 'x', links: { [provider]: valid } } })).status).toBe(201);
      for (const bad of [...UNSAFE, ...formats.invalid]) {
        const res = await gw.call('PATCH', `/v1/organizations/${id}`, { body: { links: { [provider]: bad } } });
        expect(res.status, JSON.stringify(bad)).toBe(400);
        expect((await json<Problem>(res)).errors?.map((e) => e.pointer)).toEqual([`/links/${provider}`]);
      }
      expect((await json<{ links: Record<string, string> }>(await gw.call('GET', `/v1/organizations/${id}`))).links).toEqual({ [provider]: valid });
    });

    it('accepts ids in the provider\'s documented format, at create and PATCH', async () => {
      for (const good of formats.valid) {
        const id = nextId();
        const created = await gw.call('POST', '/v1/organizations', { body: { id, name: 'x', links: { [provider]: good } } });
        expect(created.status, good).toBe(201);
        expect((await json<{ links: Record<string, string> }>(created)).links).toEqual({ [provider]: good });
        const other = formats.valid.at(-1) as string;
        const patched = await gw.call('PATCH', `/v1/organizations/${id}`, { body: { links: { [provider]: other } } });
        expect(patched.status).toBe(200);
        expect((await json<{ links: Record<string, string> }>(patched)).links).toEqual({ [provider]: other });
      }
    });
  });

  it('names every bad link at once, unknown provider ids included', async () => {
    const res = await gw.call('POST', '/v1/organizations', { body: { name: 'x', links: { leen: '..', auth0: 'org_ok', versori: 'a/b', 'no/such': 'x' } } });
    expect(res.status).toBe(400);
    expect((await json<Problem>(res)).errors?.map((e) => e.pointer).sort()).toEqual(['/links/leen', '/links/no~1such', '/links/versori']);
  });
});

describe('a link stored before links were checked', () => {
  let sim: SimulatorSetup;
  let agw: TestGateway;
  beforeAll(async () => {
    sim = await auth0Provider.startSimulator({});
    agw = await startGateway({ definitions: [auth0Provider], providers: [{ id: 'auth0', type: 'auth0', ...sim.providerConfig }] });
  });
  afterAll(async () => {
    await agw?.close();
    await sim?.close();
  });

  it('is never sent: `..` cannot turn the organization\'s connections into the tenant\'s (/api/v2/connections); the answer is 500, not a 400', async () => {
    const now = new Date().toISOString();
    for (const [id, link] of [['legacy-dotdot', '..'], ['legacy-dot', '.']] as const) {
      expect(await agw.gateway.storage.createOrganization({ id, name: id, links: { auth0: link }, created_at: now, updated_at: now },
        { id: `ev_${id}`, type: 'organization.created', organization_id: id, connection_id: null, actor: 'admin', changed: ['links', 'name'], request_id: null, at: now })).toBe(true);
      const before = sim.requests().length;
      const list = await agw.call('GET', `/v1/organizations/${id}/connections`);
      expect(list.status).toBe(500);
      expect((await json<Problem>(list)).code).toBe('internal');
      const create = await agw.call('POST', `/v1/organizations/${id}/connections`, { body: { provider: 'auth0', external_connection_id: 'con_Gg3Nw8RtY1uH6zBc' } });
      expect(create.status).toBe(500);
      // Not even a token request: the path is refused before anything is sent.
      expect(sim.requests().slice(before)).toEqual([]);
    }
    expect(sim.requests().some((r) => r.path === '/api/v2/connections')).toBe(false);
    expect(agw.logs.text()).toMatch(/unsafe path segment/);
  });
});
