import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/core/connection.js';
import { auth0Provider } from '../../../src/providers/auth0/definition.js';
import { SPARE_TENANT_CONNECTIONS, TENANT_CONNECTIONS } from '../../../src/providers/auth0/fixtures.js';
import { startAuth0Simulator, type Auth0Simulator } from '../../../src/providers/auth0/simulator/index.js';
import { json, startGateway, walkList, type TestGateway } from '../../helpers/gateway.js';

/**
 * The Auth0 entry's own config keys, through real HTTP: `connectionsApi: "enabled_connections"` (the
 * GA family), `audience` (a tenant reached through a custom domain), and the EA family's
 * `organization_access_level: null`. One simulated tenant serves every entry; each entry has its own
 * M2M client so its token requests can be told apart.
 */

type Problem = { status: number; code: string; errors?: Array<{ pointer: string }> };
type List = { data: Connection[] };

const DOMAIN = 'tenant.auth0.local';
const CUSTOM_DOMAIN = 'login.example.com';
const CLIENTS = {
  ea: { clientId: 'eaEntryClient', clientSecret: 'ea-entry-secret' },
  ga: { clientId: 'gaEntryClient', clientSecret: 'ga-entry-secret' },
  custom: { clientId: 'customDomainClient', clientSecret: 'custom-domain-secret' },
  derived: { clientId: 'derivedAudienceClient', clientSecret: 'derived-audience-secret' },
};
const [DB, , SAML] = TENANT_CONNECTIONS as [
  (typeof TENANT_CONNECTIONS)[0],
  (typeof TENANT_CONNECTIONS)[0],
  (typeof TENANT_CONNECTIONS)[0],
];

let sim: Auth0Simulator;
let gw: TestGateway;

beforeAll(async () => {
  sim = await startAuth0Simulator({ domain: DOMAIN, clients: Object.values(CLIENTS), seedDemo: true });
  const entry = (
    id: string,
    client: { clientId: string; clientSecret: string },
    extra: Record<string, unknown> = {},
  ) => ({
    id,
    type: 'auth0',
    domain: DOMAIN,
    ...client,
    baseUrl: sim.url,
    retry: { attempts: 1 },
    ...extra,
  });
  gw = await startGateway({
    definitions: [auth0Provider],
    providers: [
      entry('auth0-ea', CLIENTS.ea),
      entry('auth0-ga', CLIENTS.ga, { connectionsApi: 'enabled_connections' }),
      entry('auth0-custom', CLIENTS.custom, { domain: CUSTOM_DOMAIN, audience: `https://${DOMAIN}/api/v2/` }),
      entry('auth0-derived', CLIENTS.derived, { domain: CUSTOM_DOMAIN }),
    ],
  });
});
afterAll(async () => {
  await gw?.close();
  await sim?.close();
});

/** A fresh simulated organization and a gateway organization linked to it through `provider`. */
async function linkedOrg(id: string, provider: string): Promise<{ base: string; external: string }> {
  const external = sim.addOrganization({ name: id }).id;
  const res = await gw.call('POST', '/v1/organizations', {
    body: { id, name: id, links: { [provider]: external } },
  });
  expect(res.status).toBe(201);
  return { base: `/v1/organizations/${id}/connections`, external };
}

/** Token requests the simulator saw from one client, as their form fields. */
function tokenRequests(clientId: string): URLSearchParams[] {
  return sim.kit.requests
    .filter((r) => r.path === '/oauth/token')
    .map((r) => new URLSearchParams(r.body))
    .filter((f) => f.get('client_id') === clientId);
}

describe('connectionsApi: "enabled_connections" (GA family) through the gateway', () => {
  it('create, get, patch settings and delete; upstream sees only enabled_connections paths and GA bodies', async () => {
    const { base, external } = await linkedOrg('ga-crud', 'auth0-ga');
    sim.kit.resetRequests();
    const created = await gw.call('POST', base, {
      body: {
        provider: 'auth0-ga',
        external_connection_id: SAML.id,
        settings: { assign_membership_on_login: true },
      },
    });
    expect(created.status).toBe(201);
    const body = await json<Connection>(created);
    expect(body).toMatchObject({
      provider: 'auth0-ga',
      provider_type: 'auth0',
      kind: 'samlp',
      name: SAML.name,
      status: 'active',
      settings: { assign_membership_on_login: true, show_as_button: true, is_signup_enabled: false },
      details: { connection_name: SAML.name },
      external: { connection_id: SAML.id, organization_id: external },
    });
    expect(Object.keys(body.settings).sort()).toEqual([
      'assign_membership_on_login',
      'is_signup_enabled',
      'show_as_button',
    ]);
    const post = sim.kit.requests.find((r) => r.method === 'POST' && r.path.startsWith('/api/v2/'))!;
    expect(post.path).toBe(`/api/v2/organizations/${external}/enabled_connections`);
    expect(JSON.parse(post.body)).toEqual({ connection_id: SAML.id, assign_membership_on_login: true });

    const got = await gw.call('GET', `${base}/${body.id}`);
    expect(got.status).toBe(200);
    expect(await json<Connection>(got)).toEqual(body);

    const patched = await gw.call('PATCH', `${base}/${body.id}`, {
      body: { settings: { show_as_button: false, is_signup_enabled: true } },
    });
    expect(patched.status).toBe(200);
    expect((await json<Connection>(patched)).settings).toEqual({
      assign_membership_on_login: true,
      show_as_button: false,
      is_signup_enabled: true,
    });
    const patch = sim.kit.requests.filter((r) => r.method === 'PATCH').at(-1)!;
    expect(patch.path).toBe(`/api/v2/organizations/${external}/enabled_connections/${SAML.id}`);
    expect(JSON.parse(patch.body)).toEqual({ show_as_button: false, is_signup_enabled: true });

    expect((await gw.call('DELETE', `${base}/${body.id}`)).status).toBe(204);
    expect(sim.kit.requests.filter((r) => r.method === 'DELETE').at(-1)!.path).toBe(
      `/api/v2/organizations/${external}/enabled_connections/${SAML.id}`,
    );
    expect(sim.state.connections.some((c) => c.id === SAML.id)).toBe(true); // the tenant connection stays
    expect((await gw.call('GET', `${base}/${body.id}`)).status).toBe(404);
    expect(
      sim.kit.requests
        .filter((r) => r.path.startsWith('/api/v2/'))
        .every((r) => r.path.includes('/enabled_connections')),
    ).toBe(true);
  });

  it('a paged walk returns every item exactly once', async () => {
    const { base } = await linkedOrg('ga-paging', 'auth0-ga');
    const attached = SPARE_TENANT_CONNECTIONS.slice(0, 7).map((c) => c.id);
    for (const id of attached)
      expect(
        (await gw.call('POST', base, { body: { provider: 'auth0-ga', external_connection_id: id } })).status,
      ).toBe(201);
    for (const limit of [1, 2, 3, 7, 50]) {
      const seen = (await walkList<Connection>(gw, base, limit)).map((c) => c.external.connection_id);
      expect(seen, `limit ${limit}`).toEqual(attached);
    }
  });

  it('name, status and settings.organization_access_level are 422 unsupported_change on create, PATCH and PUT, with no upstream call', async () => {
    const { base } = await linkedOrg('ga-unsupported', 'auth0-ga');
    const made = await json<Connection>(
      await gw.call('POST', base, { body: { provider: 'auth0-ga', external_connection_id: DB.id } }),
    );
    const before = sim.kit.requests.length;
    const expect422 = async (res: Response, pointers: string[]) => {
      expect(res.status).toBe(422);
      const p = await json<Problem>(res);
      expect(p.code).toBe('unsupported_change');
      expect(p.errors?.map((e) => e.pointer).sort()).toEqual([...pointers].sort());
    };
    const create = (extra: Record<string, unknown>) =>
      gw.call('POST', base, { body: { provider: 'auth0-ga', external_connection_id: SAML.id, ...extra } });
    await expect422(await create({ name: 'Acme' }), ['/name']);
    await expect422(await create({ status: 'active' }), ['/status']);
    await expect422(await create({ settings: { organization_access_level: 'full' } }), [
      '/settings/organization_access_level',
    ]);
    await expect422(
      await create({
        name: 'Acme',
        status: 'disabled',
        settings: { show_as_button: true, organization_access_level: 'none' },
      }),
      ['/name', '/status', '/settings/organization_access_level'],
    );

    const patch = (b: Record<string, unknown>) => gw.call('PATCH', `${base}/${made.id}`, { body: b });
    await expect422(await patch({ name: 'Renamed' }), ['/name']);
    await expect422(await patch({ name: null }), ['/name']);
    await expect422(await patch({ status: 'disabled' }), ['/status']);
    await expect422(await patch({ settings: { organization_access_level: null } }), [
      '/settings/organization_access_level',
    ]);
    await expect422(await gw.call('PUT', `${base}/${made.id}`, { body: { name: 'x', settings: {} } }), [
      '/name',
    ]);
    expect(sim.kit.requests.length).toBe(before);

    // PUT needs only what this entry can write: settings.
    const put = await gw.call('PUT', `${base}/${made.id}`, {
      body: { settings: { is_signup_enabled: true } },
    });
    expect(put.status).toBe(200);
    expect((await json<Connection>(put)).settings).toMatchObject({ is_signup_enabled: true });
  });

  it('/v1/providers shows what each entry can write', async () => {
    const res = await gw.call('GET', '/v1/providers');
    expect(res.status).toBe(200);
    const list = (await json<{ data: Array<{ id: string; capabilities: Record<string, unknown> }> }>(res))
      .data;
    const caps = (id: string) => list.find((p) => p.id === id)?.capabilities;
    expect(caps('auth0-ga')).toMatchObject({
      writable_name: false,
      writable_status: [],
      writable_settings: ['assign_membership_on_login', 'show_as_button', 'is_signup_enabled'],
      unsupported_settings: ['organization_access_level'],
    });
    expect(caps('auth0-ea')).toMatchObject({
      writable_name: true,
      writable_status: ['active', 'disabled'],
      writable_settings: [
        'assign_membership_on_login',
        'show_as_button',
        'is_signup_enabled',
        'organization_access_level',
      ],
      unsupported_settings: [],
    });
  });
});

describe('audience: a tenant reached through a custom domain', () => {
  it('the configured audience reaches the token request, and the entry works', async () => {
    const { base } = await linkedOrg('custom-domain', 'auth0-custom');
    const created = await gw.call('POST', base, {
      body: { provider: 'auth0-custom', external_connection_id: DB.id },
    });
    expect(created.status).toBe(201);
    expect((await json<List>(await gw.call('GET', base))).data.map((c) => c.external.connection_id)).toEqual([
      DB.id,
    ]);
    const forms = tokenRequests(CLIENTS.custom.clientId);
    expect(forms).toHaveLength(1);
    expect(forms[0]!.get('audience')).toBe(`https://${DOMAIN}/api/v2/`);
  });

  it('without audience, the one derived from domain is sent (and a tenant that does not know it refuses)', async () => {
    const { base } = await linkedOrg('derived-audience', 'auth0-derived');
    const res = await gw.call('GET', base);
    expect(res.status).toBe(502);
    const p = await json<Problem & { provider: string; detail: string }>(res);
    expect(p).toMatchObject({ code: 'upstream_error', provider: 'auth0-derived' });
    expect(p.detail).toContain(`Service not found: https://${CUSTOM_DOMAIN}/api/v2/`);
    const forms = tokenRequests(CLIENTS.derived.clientId);
    expect(forms.length).toBeGreaterThan(0);
    for (const f of forms) expect(f.get('audience')).toBe(`https://${CUSTOM_DOMAIN}/api/v2/`);
  });
});

describe('EA family: settings.organization_access_level null', () => {
  it('clears the access level upstream and in the answer', async () => {
    const { base, external } = await linkedOrg('ea-clear', 'auth0-ea');
    const made = await json<Connection>(
      await gw.call('POST', base, {
        body: {
          provider: 'auth0-ea',
          external_connection_id: SAML.id,
          settings: { organization_access_level: 'limited' },
        },
      }),
    );
    expect(made.settings).toMatchObject({ organization_access_level: 'limited' });
    const res = await gw.call('PATCH', `${base}/${made.id}`, {
      body: { settings: { organization_access_level: null } },
    });
    expect(res.status).toBe(200);
    expect((await json<Connection>(res)).settings).not.toHaveProperty('organization_access_level');
    expect(JSON.parse(sim.kit.requests.filter((r) => r.method === 'PATCH').at(-1)!.body)).toEqual({
      organization_access_level: null,
    });
    const stored = sim.state.organizationConnections[external]!.find((oc) => oc.connection_id === SAML.id)!;
    expect(stored).not.toHaveProperty('organization_access_level');
    expect((await json<Connection>(await gw.call('GET', `${base}/${made.id}`))).settings).not.toHaveProperty(
      'organization_access_level',
    );
  });

  it("null is refused on create (Auth0's create body takes no null there)", async () => {
    const { base } = await linkedOrg('ea-null-create', 'auth0-ea');
    const before = sim.kit.requests.length;
    const res = await gw.call('POST', base, {
      body: {
        provider: 'auth0-ea',
        external_connection_id: SAML.id,
        settings: { organization_access_level: null },
      },
    });
    expect(res.status).toBe(400);
    expect((await json<Problem>(res)).errors?.map((e) => e.pointer)).toEqual([
      '/settings/organization_access_level',
    ]);
    expect(sim.kit.requests.length).toBe(before);
  });
});
