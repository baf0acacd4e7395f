import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isGatewayError, type GatewayError } from '../../../src/core/errors.js';
import { TENANT_CONNECTIONS } from '../../../src/providers/auth0/fixtures.js';
import { startAuth0Simulator, type Auth0Simulator } from '../../../src/providers/auth0/simulator/index.js';
import { adapterFor, counts, ctx, ref } from './harness.js';
import { checkChange, checkCreate, refusal } from '../../helpers/checks.js';
import { captureLogs } from '../../helpers/logs.js';

const CLIENT = { clientId: 'adapterTestClient', clientSecret: 'adapter-test-secret-0001' };
const [DB, GOOGLE, SAML, WAAD] = TENANT_CONNECTIONS as [
  (typeof TENANT_CONNECTIONS)[0],
  (typeof TENANT_CONNECTIONS)[0],
  (typeof TENANT_CONNECTIONS)[0],
  (typeof TENANT_CONNECTIONS)[0],
];

let sim: Auth0Simulator;

async function rejection(p: Promise<unknown>): Promise<GatewayError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isGatewayError(e)) throw new Error(`expected a GatewayError, got ${inspect(e)}`);
  return e;
}

function newOrg(name: string): string {
  return sim.addOrganization({ name }).id;
}

beforeAll(async () => {
  sim = await startAuth0Simulator({ domain: 'adapter.auth0.local', clients: [CLIENT] });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.kit.clearFaults();
  sim.setRateLimit({ limit: 1000, windowSec: 60 });
});

describe('token handling', () => {
  it('reuses one token for many calls', async () => {
    const org = newOrg('reuse');
    const adapter = adapterFor(sim);
    sim.kit.resetRequests();
    for (let i = 0; i < 6; i += 1) await adapter.list(ctx(), org, { limit: 10, cursor: undefined });
    expect(counts(sim)).toEqual({ tokens: 1, api: 6 });
  });

  it('concurrent first calls share one token request', async () => {
    const org = newOrg('concurrent');
    const adapter = adapterFor(sim);
    sim.kit.resetRequests();
    sim.kit.fault({ path: '^/oauth/token$', latencyMs: 30, times: 1 }); // keep the first token request in flight a while
    // Eight different reads (identical ones would coalesce into one call upstream).
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => adapter.list(ctx(), org, { limit: i + 1, cursor: undefined })),
    );
    expect(counts(sim)).toEqual({ tokens: 1, api: 8 });
  });

  it('refreshes shortly before expires_in ends (10 % of the lifetime, at most 60 s), with no 401', async () => {
    const short = await startAuth0Simulator({
      domain: 'short.auth0.local',
      clients: [CLIENT],
      tokenTtlSec: 300,
    });
    try {
      const org = short.addOrganization({ name: 'ttl' }).id;
      let now = 1_700_000_000_000;
      const adapter = adapterFor(short, { now: () => now });
      await adapter.list(ctx(), org, { limit: 1, cursor: undefined });
      now += 269_999; // 300 s − 30 s margin − 1 ms
      await adapter.list(ctx(), org, { limit: 1, cursor: undefined });
      expect(counts(short).tokens).toBe(1);
      now += 1;
      await adapter.list(ctx(), org, { limit: 1, cursor: undefined });
      expect(counts(short).tokens).toBe(2);
      expect(short.kit.requests.filter((r) => r.path.startsWith('/api/v2/')).length).toBe(3); // no 401 on the way
    } finally {
      await short.close();
    }
  });

  it('caps the refresh margin at 60 s for long-lived tokens', async () => {
    let now = 1_700_000_000_000;
    const org = newOrg('long-ttl');
    const adapter = adapterFor(sim, { now: () => now });
    sim.kit.resetRequests();
    await adapter.list(ctx(), org, { limit: 1, cursor: undefined });
    now += 86_400_000 - 60_001;
    await adapter.list(ctx(), org, { limit: 1, cursor: undefined });
    expect(counts(sim).tokens).toBe(1);
    now += 2;
    await adapter.list(ctx(), org, { limit: 1, cursor: undefined });
    expect(counts(sim).tokens).toBe(2);
  });

  it('a token the API refuses (expired early) is dropped: one new token, one retry, success', async () => {
    const org = newOrg('expired');
    const adapter = adapterFor(sim);
    await adapter.list(ctx(), org, { limit: 1, cursor: undefined });
    sim.expireTokens();
    sim.kit.resetRequests();
    const page = await adapter.list(ctx(), org, { limit: 1, cursor: undefined });
    expect(page.items).toEqual([]);
    expect(counts(sim)).toEqual({ tokens: 1, api: 2 });
    // …and the new token sticks.
    await adapter.list(ctx(), org, { limit: 1, cursor: undefined });
    expect(counts(sim)).toEqual({ tokens: 1, api: 3 });
  });

  it('concurrent 401s on one stale token cause one refresh: a late 401 never drops the new token', async () => {
    const org = newOrg('stale-herd');
    const adapter = adapterFor(sim);
    await adapter.list(ctx(), org, { limit: 1, cursor: undefined });
    sim.expireTokens();
    sim.kit.resetRequests();
    // Ten different reads (identical ones would coalesce into one call upstream).
    const pages = await Promise.all(
      Array.from({ length: 10 }, (_, i) => adapter.list(ctx(), org, { limit: i + 1, cursor: undefined })),
    );
    expect(pages).toHaveLength(10);
    expect(counts(sim)).toEqual({ tokens: 1, api: 20 });
  });

  it('a persistent 401 gives exactly one refresh and one retry, then upstream_error', async () => {
    const org = newOrg('always-401');
    const adapter = adapterFor(sim);
    await adapter.list(ctx(), org, { limit: 1, cursor: undefined });
    sim.kit.resetRequests();
    sim.kit.fault({
      path: '^/api/v2/',
      status: 401,
      body: { statusCode: 401, error: 'Unauthorized', message: 'Invalid token' },
    });
    const err = await rejection(adapter.get(ctx(), ref(org, DB.id)));
    expect(err.code).toBe('upstream_error');
    expect(err.upstreamStatus).toBe(401);
    expect(err.provider).toBe('auth0');
    expect(err.message).toContain('Invalid token');
    expect(counts(sim)).toEqual({ tokens: 1, api: 2 });
  });

  it('a wrong client secret: a clear upstream_error naming the provider, never the secret', async () => {
    const canary = 'CANARY-s3cr3t-7f1e9c4a-do-not-print';
    const log = captureLogs('trace', { raw: true });
    const config = { id: 'auth0-eu', clientSecret: canary, logger: log.logger };
    const adapter = adapterFor(sim, config);
    const err = await rejection(adapter.list(ctx(), newOrg('wrong-secret'), { limit: 5, cursor: undefined }));
    expect(err.code).toBe('upstream_error');
    expect(err.status).toBe(502);
    expect(err.provider).toBe('auth0-eu');
    expect(err.upstreamStatus).toBe(401);
    expect(err.message).toContain('auth0-eu');
    expect(err.message).toContain('access_denied');
    for (const text of [
      err.message,
      JSON.stringify(err),
      inspect(err, { depth: 10 }),
      String(err.stack),
      log.text(),
      inspect(adapter, { depth: 10, showHidden: true }),
    ]) {
      expect(text).not.toContain(canary);
    }
    expect(log.lines.length).toBeGreaterThan(0); // the token call was logged, without its body
  });

  it('neither the access token nor the secret appears in the logs of successful calls', async () => {
    const log = captureLogs('trace', { raw: true });
    const adapter = adapterFor(sim, { logger: log.logger });
    const org = newOrg('quiet-logs');
    await adapter.create(ctx(), org, { external_connection_id: DB.id }, undefined);
    await adapter.list(ctx(), org, { limit: 5, cursor: undefined });
    const tokens = [
      ...new Set(
        sim.kit.requests
          .map((r) => r.headers['authorization']?.replace(/^Bearer /, ''))
          .filter((t) => t !== undefined),
      ),
    ];
    expect(tokens.length).toBeGreaterThan(0);
    const text = log.text();
    expect(text).toContain('upstream call');
    for (const t of tokens) expect(text).not.toContain(t);
    expect(text).not.toContain(CLIENT.clientSecret);
  });

  it('a token endpoint that does not know the audience (domain and baseUrl of different tenants) → upstream_error', async () => {
    const other = await startAuth0Simulator({ domain: 'other.auth0.local', clients: [CLIENT] });
    try {
      // The adapter thinks it talks to adapter.auth0.local but its baseUrl is the other tenant.
      const confused = adapterFor({ ...sim, url: other.url } as Auth0Simulator);
      const err = await rejection(confused.list(ctx(), 'org_x', { limit: 1, cursor: undefined }));
      expect(err.code).toBe('upstream_error');
      expect(err.upstreamStatus).toBe(403);
      expect(err.message).toContain('Service not found: https://adapter.auth0.local/api/v2/');
    } finally {
      await other.close();
    }
  });
});

describe('two Auth0 tenants side by side', () => {
  it('keep their tokens and their data apart', async () => {
    const clientB = { clientId: 'tenantBClient', clientSecret: 'tenant-b-secret' };
    const b = await startAuth0Simulator({ domain: 'tenant-b.eu.auth0.local', clients: [clientB] });
    try {
      const adapterA = adapterFor(sim, { id: 'auth0-us' });
      const adapterB = adapterFor(b, { id: 'auth0-eu' });
      const orgA = newOrg('tenant-a-org');
      const orgB = b.addOrganization({ name: 'tenant-b-org' }).id;
      sim.kit.resetRequests();
      b.kit.resetRequests();

      await adapterA.create(ctx(), orgA, { external_connection_id: SAML.id, name: 'Only in A' }, undefined);
      await adapterB.create(ctx(), orgB, { external_connection_id: GOOGLE.id }, undefined);
      const [listA, listB] = await Promise.all([
        adapterA.list(ctx(), orgA, { limit: 10, cursor: undefined }),
        adapterB.list(ctx(), orgB, { limit: 10, cursor: undefined }),
      ]);
      expect(listA.items.map((c) => c.name)).toEqual(['Only in A']);
      expect(listB.items.map((c) => c.kind)).toEqual(['google-oauth2']);

      // Each tenant issued exactly one token, to its own client, for its own audience.
      expect(counts(sim).tokens).toBe(1);
      expect(counts(b).tokens).toBe(1);
      const formA = new URLSearchParams(sim.kit.requests.find((r) => r.path === '/oauth/token')!.body);
      const formB = new URLSearchParams(b.kit.requests.find((r) => r.path === '/oauth/token')!.body);
      expect([formA.get('client_id'), formA.get('audience')]).toEqual([
        CLIENT.clientId,
        'https://adapter.auth0.local/api/v2/',
      ]);
      expect([formB.get('client_id'), formB.get('audience')]).toEqual([
        clientB.clientId,
        'https://tenant-b.eu.auth0.local/api/v2/',
      ]);

      // Tokens are not interchangeable and the organizations do not leak across.
      const authA = sim.kit.requests.find((r) => r.path.startsWith('/api/v2/'))!.headers['authorization']!;
      const crossed = await fetch(`${b.url}/api/v2/organizations/${orgB}/connections`, {
        headers: { authorization: authA },
      });
      expect(crossed.status).toBe(401);
      expect((await rejection(adapterB.get(ctx(), ref(orgA, SAML.id)))).code).toBe('not_found');
      expect((await rejection(adapterB.get(ctx(), ref(orgA, SAML.id)))).provider).toBe('auth0-eu');
    } finally {
      await b.close();
    }
  });
});

describe('organization connections through the adapter', () => {
  it('create attaches a tenant connection and maps it (contract §4)', async () => {
    const org = newOrg('create-map');
    const adapter = adapterFor(sim);
    const created = await adapter.create(
      ctx(),
      org,
      {
        external_connection_id: SAML.id,
        name: 'Acme SSO',
        settings: { assign_membership_on_login: true, organization_access_level: 'readonly' },
        status: 'disabled',
      },
      undefined,
    );
    expect(created).toEqual({
      external_id: SAML.id,
      kind: 'samlp',
      name: 'Acme SSO',
      status: 'disabled',
      health: { status: 'unknown', description: null, resolution_owner: null },
      credentials: { configured: false, type: null, updated_at: null },
      settings: {
        assign_membership_on_login: true,
        show_as_button: true,
        is_signup_enabled: false,
        organization_access_level: 'readonly',
      },
      details: { connection_name: SAML.name },
      created_at: null,
      updated_at: null,
    });
    const post = sim.kit.requests
      .filter((r) => r.method === 'POST' && r.path.endsWith('/connections'))
      .at(-1)!;
    expect(JSON.parse(post.body)).toEqual({
      connection_id: SAML.id,
      organization_connection_name: 'Acme SSO',
      assign_membership_on_login: true,
      organization_access_level: 'readonly',
      is_enabled: false,
    });
    expect(await adapter.get(ctx(), ref(org, SAML.id, 'samlp'))).toEqual(created);
  });

  it('name falls back to the tenant connection name; kind is the strategy', async () => {
    const org = newOrg('fallback');
    const adapter = adapterFor(sim);
    const created = await adapter.create(ctx(), org, { external_connection_id: WAAD.id }, undefined);
    expect(created).toMatchObject({
      kind: 'waad',
      name: WAAD.name,
      status: 'active',
      details: { connection_name: WAAD.name },
    });
  });

  it('create errors: 409 double attach → conflict, 404 unknown tenant connection or organization → not_found', async () => {
    const org = newOrg('create-errors');
    const adapter = adapterFor(sim);
    await adapter.create(ctx(), org, { external_connection_id: DB.id }, undefined);
    const dup = await rejection(adapter.create(ctx(), org, { external_connection_id: DB.id }, undefined));
    expect([dup.code, dup.status, dup.upstreamStatus, dup.provider]).toEqual(['conflict', 409, 409, 'auth0']);
    expect(dup.message).toContain('The organization connection already exists.');
    const missingConn = await rejection(
      adapter.create(ctx(), org, { external_connection_id: 'con_nothere00000000' }, undefined),
    );
    expect(missingConn.code).toBe('not_found');
    const missingOrg = await rejection(
      adapter.create(ctx(), 'org_nothere00000000', { external_connection_id: DB.id }, undefined),
    );
    expect(missingOrg.code).toBe('not_found');
    expect(missingOrg.message).toContain('No organization found');
  });

  it('the gateway refuses create bodies outside the schema, so none reaches Auth0', () => {
    const adapter = adapterFor(sim);
    sim.kit.resetRequests();
    const err = refusal(() => checkCreate(adapter, { external_connection_id: DB.id, kind: 'auth0' }));
    expect(err.code).toBe('validation_failed');
    const long = refusal(() => checkCreate(adapter, { external_connection_id: DB.id, name: 'x'.repeat(51) }));
    expect(long.errors?.[0]?.pointer).toBe('/name');
    // The connection id becomes a segment of every later path of the connection: never `..` or a separator.
    for (const id of ['..', '.', 'con_a/b', '%2F', 'con\\x', '']) {
      const unsafe = refusal(() => checkCreate(adapter, { external_connection_id: id }));
      expect([unsafe.code, unsafe.errors?.map((e) => e.pointer)], id).toEqual([
        'validation_failed',
        ['/external_connection_id'],
      ]);
    }
    expect(counts(sim)).toEqual({ tokens: 0, api: 0 });
  });

  it("an upstream 400 becomes upstream_rejected with Auth0's message", async () => {
    const adapter = adapterFor(sim);
    const err = await rejection(
      adapter.list(ctx(), `org_${'x'.repeat(60)}`, { limit: 5, cursor: undefined }),
    );
    expect(err.code).toBe('upstream_rejected');
    expect(err.upstreamStatus).toBe(400);
    expect(err.message).toContain('String is too long');
  });

  it('an upstream 5xx becomes upstream_error', async () => {
    const adapter = adapterFor(sim);
    sim.kit.fault({
      method: 'POST',
      path: '/connections$',
      status: 503,
      body: { statusCode: 503, error: 'Service Unavailable', message: 'Try later' },
    });
    const err = await rejection(
      adapter.create(ctx(), newOrg('five-oh-three'), { external_connection_id: DB.id }, undefined),
    );
    expect(err.code).toBe('upstream_error');
    expect(err.upstreamStatus).toBe(503);
  });

  it('patch sends only the changed fields; name null clears the organization name', async () => {
    const org = newOrg('patching');
    const adapter = adapterFor(sim);
    const r = ref(org, DB.id);
    await adapter.create(ctx(), org, { external_connection_id: DB.id, name: 'Members' }, undefined);
    const lastPatch = (): unknown =>
      JSON.parse(sim.kit.requests.filter((q) => q.method === 'PATCH').at(-1)!.body);

    const renamed = await adapter.patch(ctx(), r, { name: 'Staff' });
    expect(renamed.name).toBe('Staff');
    expect(lastPatch()).toEqual({ organization_connection_name: 'Staff' });

    const disabled = await adapter.patch(ctx(), r, { status: 'disabled' });
    expect(disabled.status).toBe('disabled');
    expect(lastPatch()).toEqual({ is_enabled: false });

    const settings = await adapter.patch(ctx(), r, {
      settings: { is_signup_enabled: true, organization_access_level: 'full' },
    });
    expect(settings.settings).toMatchObject({ is_signup_enabled: true, organization_access_level: 'full' });
    expect(lastPatch()).toEqual({ is_signup_enabled: true, organization_access_level: 'full' });

    const cleared = await adapter.patch(ctx(), r, { name: null, status: 'active' });
    expect(lastPatch()).toEqual({ organization_connection_name: null, is_enabled: true });
    expect(cleared).toMatchObject({ name: DB.name, status: 'active', details: { connection_name: DB.name } });

    sim.kit.resetRequests();
    const unchanged = await adapter.patch(ctx(), r, {});
    expect(unchanged).toEqual(cleared);
    expect(sim.kit.requests.map((q) => q.method)).toEqual(['GET']);
  });

  it('settings.organization_access_level null clears it (EA PATCH takes null)', async () => {
    const org = newOrg('clear-access-level');
    const adapter = adapterFor(sim);
    const r = ref(org, SAML.id, 'samlp');
    await adapter.create(
      ctx(),
      org,
      { external_connection_id: SAML.id, settings: { organization_access_level: 'limited' } },
      undefined,
    );
    const cleared = await adapter.patch(ctx(), r, { settings: { organization_access_level: null } });
    expect(JSON.parse(sim.kit.requests.filter((q) => q.method === 'PATCH').at(-1)!.body)).toEqual({
      organization_access_level: null,
    });
    expect(cleared.settings).not.toHaveProperty('organization_access_level');
    expect((await adapter.get(ctx(), r)).settings).not.toHaveProperty('organization_access_level');
  });

  it('the gateway refuses changes Auth0 cannot make', () => {
    const adapter = adapterFor(sim);
    expect(refusal(() => checkChange(adapter, 'auth0', { status: 'paused' })).code).toBe(
      'unsupported_change',
    );
    expect(
      refusal(() => checkChange(adapter, 'auth0', { settings: { show_as_button: 'yes' } })).errors?.[0]
        ?.pointer,
    ).toBe('/settings/show_as_button');
    expect(refusal(() => checkChange(adapter, 'auth0', { name: '' })).code).toBe('validation_failed');
    expect(refusal(() => checkChange(adapter, 'auth0', { credentials: { a: 'b' } })).code).toBe(
      'unsupported_change',
    );
  });

  it('delete detaches (204), then get is not_found', async () => {
    const org = newOrg('detaching');
    const adapter = adapterFor(sim);
    await adapter.create(ctx(), org, { external_connection_id: GOOGLE.id }, undefined);
    await adapter.delete(ctx(), ref(org, GOOGLE.id));
    expect(sim.state.connections.some((c) => c.id === GOOGLE.id)).toBe(true); // the tenant connection stays
    expect((await rejection(adapter.get(ctx(), ref(org, GOOGLE.id)))).code).toBe('not_found');
    expect((await rejection(adapter.delete(ctx(), ref(org, GOOGLE.id)))).code).toBe('not_found');
  });

  it('429 → rate_limited with retryAfter from x-ratelimit-reset', async () => {
    const org = newOrg('limited');
    const adapter = adapterFor(sim, { retry: { attempts: 1 } });
    await adapter.list(ctx(), org, { limit: 1, cursor: undefined });
    sim.setRateLimit({ limit: 1, windowSec: 3600 });
    await adapter.list(ctx(), org, { limit: 1, cursor: undefined });
    const err = await rejection(adapter.list(ctx(), org, { limit: 1, cursor: undefined }));
    expect(err.code).toBe('rate_limited');
    expect(err.status).toBe(429);
    expect(err.upstreamStatus).toBe(429);
    expect(err.retryAfter).toBeGreaterThan(0);
    expect(err.retryAfter).toBeLessThanOrEqual(3600);
    const post = await rejection(
      adapterFor(sim).create(ctx(), org, { external_connection_id: DB.id }, undefined),
    );
    expect(post.code).toBe('rate_limited'); // POST is never retried by the client
  });
});

describe('the GA enabled_connections family through the adapter', () => {
  const lastWrite = (method: string) => sim.kit.requests.filter((q) => q.method === method).at(-1)!;

  it('create POSTs {connection_id, settings…} to enabled_connections and maps the GA object', async () => {
    const org = newOrg('ga-create');
    const adapter = adapterFor(sim, { connectionsApi: 'enabled_connections' });
    const created = await adapter.create(
      ctx(),
      org,
      { external_connection_id: SAML.id, settings: { assign_membership_on_login: true } },
      undefined,
    );
    expect(created).toEqual({
      external_id: SAML.id,
      kind: 'samlp',
      name: SAML.name,
      status: 'active',
      health: { status: 'unknown', description: null, resolution_owner: null },
      credentials: { configured: false, type: null, updated_at: null },
      settings: { assign_membership_on_login: true, show_as_button: true, is_signup_enabled: false },
      details: { connection_name: SAML.name },
      created_at: null,
      updated_at: null,
    });
    const post = lastWrite('POST');
    expect(post.path).toBe(`/api/v2/organizations/${org}/enabled_connections`);
    expect(JSON.parse(post.body)).toEqual({ connection_id: SAML.id, assign_membership_on_login: true });
    expect(await adapter.get(ctx(), ref(org, SAML.id, 'samlp'))).toEqual(created);
    expect(sim.kit.requests.at(-1)!.path).toBe(`/api/v2/organizations/${org}/enabled_connections/${SAML.id}`);
    const dup = await rejection(adapter.create(ctx(), org, { external_connection_id: SAML.id }, undefined));
    expect([dup.code, dup.upstreamStatus]).toEqual(['conflict', 409]);
  });

  it('patch sends only the three GA settings; name, status and the access level are refused before any request', async () => {
    const org = newOrg('ga-patch');
    const adapter = adapterFor(sim, { connectionsApi: 'enabled_connections' });
    const r = ref(org, DB.id);
    await adapter.create(ctx(), org, { external_connection_id: DB.id }, undefined);
    const patched = await adapter.patch(ctx(), r, {
      settings: { is_signup_enabled: true, show_as_button: false },
    });
    expect(patched.settings).toEqual({ is_signup_enabled: true, show_as_button: false });
    expect(lastWrite('PATCH').path).toBe(`/api/v2/organizations/${org}/enabled_connections/${DB.id}`);
    expect(JSON.parse(lastWrite('PATCH').body)).toEqual({ is_signup_enabled: true, show_as_button: false });

    const before = sim.kit.requests.length;
    for (const [change, pointer] of [
      [{ name: 'x' }, '/name'],
      [{ name: null }, '/name'],
      [{ status: 'disabled' }, '/status'],
      [{ settings: { organization_access_level: 'full' } }, '/settings/organization_access_level'],
    ] as const) {
      const err = refusal(() => checkChange(adapter, 'auth0', change));
      expect([err.code, err.errors?.[0]?.pointer], JSON.stringify(change)).toEqual([
        'unsupported_change',
        pointer,
      ]);
    }
    expect(sim.kit.requests.length).toBe(before);
  });

  it("reads what the EA family wrote as a GA enablement: the tenant connection's name, active, GA settings only", async () => {
    const org = newOrg('ga-reads-ea');
    await adapterFor(sim).create(
      ctx(),
      org,
      {
        external_connection_id: WAAD.id,
        name: 'Contoso',
        status: 'disabled',
        settings: { organization_access_level: 'full', is_signup_enabled: true },
      },
      undefined,
    );
    const ga = adapterFor(sim, { connectionsApi: 'enabled_connections' });
    expect(await ga.get(ctx(), ref(org, WAAD.id, 'waad'))).toMatchObject({
      name: WAAD.name,
      status: 'active',
      settings: { show_as_button: true, is_signup_enabled: true },
    });
    expect(
      (await ga.list(ctx(), org, { limit: 5, cursor: undefined })).items.map((c) => [
        c.external_id,
        c.name,
        c.status,
      ]),
    ).toEqual([[WAAD.id, WAAD.name, 'active']]);
  });

  it('delete DELETEs the enablement (204); the tenant connection stays; then not_found', async () => {
    const org = newOrg('ga-delete');
    const adapter = adapterFor(sim, { connectionsApi: 'enabled_connections' });
    await adapter.create(ctx(), org, { external_connection_id: GOOGLE.id }, undefined);
    await adapter.delete(ctx(), ref(org, GOOGLE.id));
    expect(lastWrite('DELETE').path).toBe(`/api/v2/organizations/${org}/enabled_connections/${GOOGLE.id}`);
    expect(sim.state.connections.some((c) => c.id === GOOGLE.id)).toBe(true);
    expect((await rejection(adapter.get(ctx(), ref(org, GOOGLE.id)))).code).toBe('not_found');
    expect((await rejection(adapter.delete(ctx(), ref(org, GOOGLE.id)))).code).toBe('not_found');
  });
});

describe('list pagination', () => {
  let org: string;
  let attached: string[];
  const TOTAL = 23;

  beforeAll(() => {
    org = newOrg('big');
    attached = [];
    for (let i = 0; i < TOTAL; i += 1) {
      const c = sim.addTenantConnection({
        name: `bulk-${String(i).padStart(2, '0')}`,
        strategy: ['auth0', 'samlp', 'waad', 'oidc'][i % 4]!,
      });
      sim.state.organizationConnections[org]!.push({
        connection_id: c.id,
        assign_membership_on_login: false,
        show_as_button: true,
        is_signup_enabled: false,
        is_enabled: i % 3 !== 0,
      });
      attached.push(c.id);
    }
  });

  async function walk(
    limits: (i: number) => number,
    connectionsApi?: 'enabled_connections',
  ): Promise<{ ids: string[]; pages: number }> {
    const adapter = adapterFor(sim, connectionsApi ? { connectionsApi } : {});
    const ids: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const limit = limits(pages);
      const page = await adapter.list(ctx(), org, { limit, cursor });
      pages += 1;
      expect(page.items.length).toBeLessThanOrEqual(limit);
      ids.push(...page.items.map((c) => c.external_id));
      if (page.nextCursor === null) break;
      expect(page.items.length).toBe(limit);
      cursor = page.nextCursor;
      if (pages > 100) throw new Error('runaway walk');
    }
    return { ids, pages };
  }

  it.each([1, 2, 5, 7, 22, 23, 24, 50, 150, 200])(
    'limit %i: every item exactly once, in order, null at the end',
    async (limit) => {
      const { ids, pages } = await walk(() => limit);
      expect(ids).toEqual(attached);
      expect(pages).toBe(Math.max(1, Math.ceil(TOTAL / limit)));
    },
  );

  it.each([1, 7, 23, 150])(
    'GA family, limit %i: every item exactly once, read from enabled_connections pages',
    async (limit) => {
      sim.kit.resetRequests();
      const { ids, pages } = await walk(() => limit, 'enabled_connections');
      expect(ids).toEqual(attached);
      expect(pages).toBe(Math.max(1, Math.ceil(TOTAL / limit)));
      const lists = sim.kit.requests.filter((r) => r.method === 'GET');
      expect(lists.length).toBeGreaterThan(0);
      for (const r of lists) expect(r.path).toBe(`/api/v2/organizations/${org}/enabled_connections`);
    },
  );

  it('varying limits from page to page still give every item exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 8 }),
        async (limits) => {
          const { ids } = await walk((i) => limits[i % limits.length]!);
          expect(ids).toEqual(attached);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a short last Auth0 page that is only partly returned still yields a cursor (regression: offset 19, limit 3)', async () => {
    const adapter = adapterFor(sim);
    const page = await adapter.list(ctx(), org, { limit: 3, cursor: '19' });
    expect(page.items.map((c) => c.external_id)).toEqual(attached.slice(19, 22));
    expect(page.nextCursor).toBe('22');
    expect(await adapter.list(ctx(), org, { limit: 1, cursor: '22' })).toMatchObject({
      nextCursor: null,
      items: [{ external_id: attached[22] }],
    });
  });

  it('asks Auth0 for ≤ 100 per page and few pages', async () => {
    const adapter = adapterFor(sim);
    await adapter.list(ctx(), org, { limit: 1, cursor: undefined });
    sim.kit.resetRequests();
    const page = await adapter.list(ctx(), org, { limit: 10, cursor: '7' });
    expect(page.items.map((c) => c.external_id)).toEqual(attached.slice(7, 17));
    expect(page.nextCursor).toBe('17');
    expect(sim.kit.requests).toHaveLength(1);
    const q = new URLSearchParams(sim.kit.requests[0]!.query);
    expect(Number(q.get('per_page'))).toBeLessThanOrEqual(100);
    expect(q.get('include_totals')).toBe('true');

    sim.kit.resetRequests();
    await adapter.list(ctx(), org, { limit: 200, cursor: undefined });
    expect(sim.kit.requests.map((r) => new URLSearchParams(r.query).get('per_page'))).toEqual(['100']);
  });

  it('an empty organization and a cursor past the end give an empty page with no cursor', async () => {
    const adapter = adapterFor(sim);
    expect(await adapter.list(ctx(), newOrg('empty'), { limit: 50, cursor: undefined })).toEqual({
      items: [],
      nextCursor: null,
    });
    expect(await adapter.list(ctx(), org, { limit: 5, cursor: '400' })).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('maps status from is_enabled across the listing', async () => {
    const adapter = adapterFor(sim);
    const page = await adapter.list(ctx(), org, { limit: 6, cursor: undefined });
    expect(page.items.map((c) => c.status)).toEqual([
      'disabled',
      'active',
      'active',
      'disabled',
      'active',
      'active',
    ]);
    expect(page.items.map((c) => c.kind)).toEqual(['auth0', 'samlp', 'waad', 'oidc', 'auth0', 'samlp']);
  });

  it('a cursor this provider did not issue is a validation error', async () => {
    const adapter = adapterFor(sim);
    expect((await rejection(adapter.list(ctx(), org, { limit: 5, cursor: 'abc' }))).code).toBe(
      'validation_failed',
    );
    expect((await rejection(adapter.list(ctx(), org, { limit: 5, cursor: '-1' }))).code).toBe(
      'validation_failed',
    );
  });
});
