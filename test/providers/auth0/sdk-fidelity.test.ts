import { ManagementClient, ManagementError, Management } from 'auth0';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAuth0Simulator, type Auth0Simulator } from '../../../src/providers/auth0/simulator/index.js';
import { TENANT_CONNECTIONS } from '../../../src/providers/auth0/fixtures.js';
import { simFetch } from './harness.js';

/**
 * Proof of fidelity: the official `auth0` SDK (7.1.0), pointed at the simulator only through its own
 * `fetch` option (no global mock), runs every organization-connection call the gateway makes, and
 * the tenant/organization calls around them, and the Self-Service SSO calls of the provider-hosted
 * flow (profiles, custom text, tickets). When the SDK and the simulator disagree, the simulator
 * is wrong. Each SDK method used is recorded in `exercised` and the total is asserted at the end.
 */

const CLIENT = { clientId: 'sdkFidelityClient', clientSecret: 'sdk-fidelity-secret' };
/** A client the Management API grants only the profile reads: no ticket scopes. */
const PROFILES_ONLY = {
  clientId: 'sdkProfilesOnlyClient',
  clientSecret: 'sdk-profiles-only-secret',
  scopes: ['read:self_service_profiles'],
};
const exercised = new Set<string>();
const use = (name: string): void => {
  exercised.add(name);
};

let sim: Auth0Simulator;
let mgmt: ManagementClient;

function sdk(
  options: { maxRetries?: number; clientSecret?: string; clientId?: string } = {},
): ManagementClient {
  return new ManagementClient({
    domain: sim.domain,
    clientId: options.clientId ?? CLIENT.clientId,
    clientSecret: options.clientSecret ?? CLIENT.clientSecret,
    fetch: simFetch(sim),
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
  });
}

async function expectRejects<E>(p: Promise<unknown>, type: abstract new (...a: never[]) => E): Promise<E> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  return err as E;
}

beforeAll(async () => {
  sim = await startAuth0Simulator({ domain: 'fidelity.auth0.local', clients: [CLIENT, PROFILES_ONLY] });
  mgmt = sdk();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.setRateLimit({ limit: 1000, windowSec: 60 });
});

describe('official auth0 SDK 7.1.0 against the simulator', () => {
  let orgId: string;
  const db = TENANT_CONNECTIONS[0]!;
  const saml = TENANT_CONNECTIONS[2]!;

  it('gets a client-credentials token the way the SDK asks for it, and reuses it', async () => {
    sim.kit.resetRequests();
    const org = await mgmt.organizations.create({ name: 'fidelity', display_name: 'Fidelity Inc.' });
    use('organizations.create');
    orgId = org.id!;
    expect(orgId).toMatch(/^org_[A-Za-z0-9]{16}$/);
    expect(org).toMatchObject({ name: 'fidelity', display_name: 'Fidelity Inc.' });

    const got = await mgmt.organizations.get(orgId);
    use('organizations.get');
    expect(got.name).toBe('fidelity');

    const updated = await mgmt.organizations.update(orgId, { display_name: 'Fidelity Ltd.' });
    use('organizations.update');
    expect(updated.display_name).toBe('Fidelity Ltd.');

    const tokenCalls = sim.kit.requests.filter((r) => r.path === '/oauth/token');
    expect(tokenCalls).toHaveLength(1);
    const call = tokenCalls[0]!;
    expect(call.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(call.body);
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      audience: `https://${sim.domain}/api/v2/`,
    });
    const apiCalls = sim.kit.requests.filter((r) => r.path.startsWith('/api/v2/'));
    expect(apiCalls.every((r) => /^Bearer \S+$/.test(r.headers['authorization'] ?? ''))).toBe(true);
    expect(apiCalls.every((r) => r.headers['auth0-client'] !== undefined)).toBe(true);
  });

  it('lists tenant connections and organizations (checkpoint paging) and reads one connection', async () => {
    const all: string[] = [];
    for await (const c of await mgmt.connections.list({ take: 3 })) all.push(c.name!);
    use('connections.list');
    expect(all).toEqual(TENANT_CONNECTIONS.map((c) => c.name));

    const enterprise: string[] = [];
    for await (const c of await mgmt.connections.list({ strategy: ['samlp', 'waad'] }))
      enterprise.push(c.strategy!);
    expect(enterprise.sort()).toEqual(['samlp', 'waad']);

    const one = await mgmt.connections.get(db.id);
    use('connections.get');
    expect(one).toMatchObject({ id: db.id, name: db.name, strategy: 'auth0' });

    const orgs: string[] = [];
    for await (const o of await mgmt.organizations.list({ take: 1 })) orgs.push(o.id!);
    use('organizations.list');
    expect(orgs).toContain(orgId);
  });

  it('creates a tenant connection (409 on a duplicate name)', async () => {
    const created = await mgmt.connections.create({ name: 'fidelity-db', strategy: 'auth0' });
    use('connections.create');
    expect(created.id).toMatch(/^con_/);
    const err = await expectRejects(
      mgmt.connections.create({ name: 'fidelity-db', strategy: 'auth0' }),
      Management.ConflictError,
    );
    expect(err.statusCode).toBe(409);
  });

  it('attaches, reads, updates and detaches organization connections', async () => {
    const created = await mgmt.organizations.connections.create(orgId, {
      connection_id: saml.id,
      organization_connection_name: 'Acme',
      show_as_button: true,
      organization_access_level: 'limited',
    });
    use('organizations.connections.create');
    // Auth0 documents defaults for show_as_button (true) and is_signup_enabled (false) only; the
    // simulator leaves assign_membership_on_login and is_enabled unset rather than invent one.
    expect(created).toEqual({
      connection_id: saml.id,
      organization_connection_name: 'Acme',
      show_as_button: true,
      is_signup_enabled: false,
      organization_access_level: 'limited',
      connection: { name: saml.name, strategy: 'samlp' },
    });
    const post = sim.kit.requests
      .filter((r) => r.method === 'POST' && r.path === `/api/v2/organizations/${orgId}/connections`)
      .at(-1)!;
    expect(post.headers['content-type']).toBe('application/json');

    const got = await mgmt.organizations.connections.get(orgId, saml.id);
    use('organizations.connections.get');
    expect(got).toEqual(created);

    const updated = await mgmt.organizations.connections.update(orgId, saml.id, {
      organization_connection_name: null,
      organization_access_level: null,
      is_enabled: false,
      assign_membership_on_login: true,
    });
    use('organizations.connections.update');
    expect(updated.organization_connection_name).toBeUndefined();
    expect(updated.organization_access_level).toBeUndefined();
    expect(updated).toMatchObject({
      is_enabled: false,
      assign_membership_on_login: true,
      show_as_button: true,
    });
    // is_enabled: null takes it back to unset (no documented default to put back).
    const reset = await mgmt.organizations.connections.update(orgId, saml.id, { is_enabled: null });
    expect('is_enabled' in reset).toBe(false);
    await mgmt.organizations.connections.update(orgId, saml.id, { is_enabled: false });

    const enabledOnly = await mgmt.organizations.connections.list(orgId, { is_enabled: true });
    use('organizations.connections.list');
    expect(enabledOnly.data).toEqual([]);
    const disabled = await mgmt.organizations.connections.list(orgId, { is_enabled: false });
    expect(disabled.data.map((c) => c.connection_id)).toEqual([saml.id]);

    const deleted = await mgmt.organizations.connections.delete(orgId, saml.id);
    use('organizations.connections.delete');
    expect(deleted).toBeUndefined();
    const del = sim.kit.requests.filter((r) => r.method === 'DELETE').at(-1)!;
    expect(del.path).toBe(`/api/v2/organizations/${orgId}/connections/${saml.id}`);
    await expectRejects(mgmt.organizations.connections.get(orgId, saml.id), Management.NotFoundError);
  });

  it('auto-paginates the organization connections: with per_page, without it, and include_totals', async () => {
    const org = await mgmt.organizations.create({ name: 'paging' });
    const ids: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      const c = sim.addTenantConnection({ name: `paging-${i}`, strategy: i % 2 ? 'samlp' : 'auth0' });
      await mgmt.organizations.connections.create(org.id!, { connection_id: c.id });
      ids.push(c.id);
    }
    sim.kit.resetRequests();

    // Explicit per_page: the SDK stops on a short page.
    const withPerPage: string[] = [];
    const first = await mgmt.organizations.connections.list(org.id!, { per_page: 3 });
    expect(first.response).toMatchObject({ start: 0, limit: 3, total: 7 });
    for await (const c of first) withPerPage.push(c.connection_id);
    expect(withPerPage).toEqual(ids);
    const pages = sim.kit.requests
      .filter((r) => r.path.endsWith('/connections'))
      .map((r) => new URLSearchParams(r.query).get('page'));
    expect(pages).toEqual(['0', '1', '2']);
    for (const r of sim.kit.requests) expect(new URLSearchParams(r.query).get('include_totals')).toBe('true');

    // No per_page: the SDK reads until an empty page, so the past-the-end page must be empty.
    sim.kit.resetRequests();
    const all: string[] = [];
    for await (const c of await mgmt.organizations.connections.list(org.id!)) all.push(c.connection_id);
    expect(all).toEqual(ids);
    expect(sim.kit.requests.map((r) => new URLSearchParams(r.query).get('page'))).toEqual(['0', '1']);

    // Manual paging with hasNextPage/getNextPage.
    const page = await mgmt.organizations.connections.list(org.id!, { page: 1, per_page: 5 });
    expect(page.data.map((c) => c.connection_id)).toEqual(ids.slice(5));
    expect(page.hasNextPage()).toBe(false);

    // include_totals=false: Auth0 answers a bare array, which the SDK's page cannot read (docs/providers/auth0.md §8).
    const bare = await mgmt.organizations.connections.list(org.id!, { include_totals: false });
    expect(Array.isArray(bare.response)).toBe(true);
    expect((bare.response as unknown as unknown[]).length).toBe(7);
    expect(bare.data).toEqual([]);
  });

  it("maps Auth0 errors to the SDK's error classes", async () => {
    // 404: missing organization, missing tenant connection, connection not attached.
    const nf = await expectRejects(
      mgmt.organizations.connections.create('org_doesnotexist000', { connection_id: db.id }),
      Management.NotFoundError,
    );
    expect(nf.body).toMatchObject({
      statusCode: 404,
      error: 'Not Found',
      errorCode: 'inexistent_organization',
    });
    await expectRejects(
      mgmt.organizations.connections.create(orgId, { connection_id: 'con_doesnotexist000' }),
      Management.NotFoundError,
    );
    await expectRejects(mgmt.organizations.connections.get(orgId, db.id), Management.NotFoundError);
    await expectRejects(mgmt.organizations.get('org_doesnotexist000'), Management.NotFoundError);

    // 409 on a double attach.
    await mgmt.organizations.connections.create(orgId, { connection_id: db.id, is_signup_enabled: true });
    const conflict = await expectRejects(
      mgmt.organizations.connections.create(orgId, { connection_id: db.id }),
      Management.ConflictError,
    );
    expect(conflict.statusCode).toBe(409);
    expect(conflict.body).toMatchObject({ statusCode: 409, error: 'Conflict' });

    // 400 with Auth0's body (additionalProperties: false) on create and update.
    const bad = await expectRejects(
      mgmt.organizations.connections.create(orgId, {
        connection_id: db.id,
        unknown_field: 1,
      } as unknown as Management.CreateOrganizationAllConnectionRequestParameters),
      Management.BadRequestError,
    );
    expect(bad.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      errorCode: 'invalid_body',
      message: "Payload validation error: 'Additional properties not allowed: unknown_field'.",
    });
    const badPatch = await expectRejects(
      mgmt.organizations.connections.update(orgId, db.id, {
        show_as_button: null,
      } as unknown as Management.UpdateOrganizationConnectionRequestParameters),
      Management.BadRequestError,
    );
    expect((badPatch.body as { message: string }).message).toContain('on property show_as_button');

    // Delete of something not attached: the SDK maps no 404 for delete, so a plain ManagementError.
    const gone = await expectRejects(
      mgmt.organizations.connections.delete(orgId, 'con_Gg3Nw8RtY1uH6zBc'),
      ManagementError,
    );
    expect(gone.statusCode).toBe(404);
  });

  it('429: TooManyRequestsError with the x-ratelimit-* headers (no retry)', async () => {
    const noRetry = sdk({ maxRetries: 0 });
    await noRetry.organizations.connections.list(orgId); // token + one call outside the budget below
    // Windows are aligned to the epoch; a ten-year one cannot end while this test runs.
    const windowSec = 10 * 365 * 86_400;
    sim.setRateLimit({ limit: 2, windowSec });
    await noRetry.organizations.connections.list(orgId);
    const ok = await noRetry.organizations.connections.list(orgId);
    expect(ok.rawResponse.headers.get('x-ratelimit-remaining')).toBe('0');
    const before = sim.kit.requests.length;
    const err = await expectRejects(
      noRetry.organizations.connections.get(orgId, db.id),
      Management.TooManyRequestsError,
    );
    expect(err.statusCode).toBe(429);
    expect(err.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    const headers = err.rawResponse!.headers;
    expect(headers.get('x-ratelimit-limit')).toBe('2');
    expect(headers.get('x-ratelimit-remaining')).toBe('0');
    const reset = Number(headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThan(Date.now() / 1000);
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + windowSec);
    expect(sim.kit.requests.length - before).toBe(1);
  });

  it('429: the SDK waits until x-ratelimit-reset and then succeeds', async () => {
    // A simulator whose clock stands still until the first 429, so the second call is always limited;
    // from then on it follows real time. The SDK's own back-off reads x-ratelimit-reset (≤ 1 s here);
    // the test itself never sleeps.
    let frozen: number | null = Date.now();
    const rl = await startAuth0Simulator({
      domain: 'ratelimit.auth0.local',
      clients: [CLIENT],
      rateLimit: { limit: 1, windowSec: 1 },
      now: () => frozen ?? Date.now(),
    });
    try {
      const seen: Array<{ status: number; at: number; reset: number }> = [];
      const base = simFetch(rl);
      const fetchFn: typeof fetch = async (input, init) => {
        const at = Date.now();
        const res = await base(input, init);
        if (res.url.includes('/api/v2/'))
          seen.push({ status: res.status, at, reset: Number(res.headers.get('x-ratelimit-reset')) });
        if (res.status === 429) frozen = null;
        return res;
      };
      const client = new ManagementClient({ domain: rl.domain, ...CLIENT, fetch: fetchFn, maxRetries: 1 });
      const org = await client.organizations.create({ name: 'limited' });
      const got = await client.organizations.get(org.id!);
      expect(got.id).toBe(org.id);
      expect(seen.map((s) => s.status)).toEqual([201, 429, 200]);
      const [, limited, retried] = seen as [unknown, { at: number; reset: number }, { at: number }];
      // Not before the reset (Node's timers may fire a millisecond or so early against Date.now()).
      expect(retried.at).toBeGreaterThanOrEqual(limited.reset * 1000 - 50);
      // …and not the SDK's 60 s cap or a long default back-off (a loose bound: CI machines are noisy).
      expect(retried.at - limited.at).toBeLessThan(10_000);
    } finally {
      await rl.close();
    }
  });

  it('does not refresh its token on a 401 (docs/providers/auth0.md §8): expired tokens surface as UnauthorizedError', async () => {
    const client = sdk({ maxRetries: 0 });
    await client.organizations.get(orgId);
    sim.expireTokens();
    const tokensBefore = sim.kit.count('POST', /^\/oauth\/token$/);
    const err = await expectRejects(client.organizations.get(orgId), Management.UnauthorizedError);
    expect(err.body).toMatchObject({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Expired token received for JSON Web Token validation',
    });
    expect(sim.kit.count('POST', /^\/oauth\/token$/)).toBe(tokensBefore);
  });

  it('a wrong client secret fails the token request with the OAuth error body', async () => {
    const err = await expectRejects(
      sdk({ clientSecret: 'wrong', maxRetries: 0 }).organizations.get(orgId),
      ManagementError,
    );
    expect(err.statusCode).toBe(401);
    expect(err.body).toEqual({ error: 'access_denied', error_description: 'Unauthorized' });
  });

  it('deletes an organization (and its connections with it)', async () => {
    mgmt = sdk(); // the previous test expired every token and the SDK never refreshes on a 401
    const org = await mgmt.organizations.create({ name: 'short-lived' });
    await mgmt.organizations.connections.create(org.id!, { connection_id: db.id });
    await mgmt.organizations.delete(org.id!);
    use('organizations.delete');
    await expectRejects(mgmt.organizations.get(org.id!), Management.NotFoundError);
    expect(sim.state.organizationConnections[org.id!]).toBeUndefined();
  });
});

describe('official auth0 SDK 7.1.0: the GA enabled_connections family', () => {
  const db = TENANT_CONNECTIONS[0]!;
  const saml = TENANT_CONNECTIONS[2]!;
  const waad = TENANT_CONNECTIONS[3]!;
  const GA_FIELDS = [
    'assign_membership_on_login',
    'connection',
    'connection_id',
    'is_signup_enabled',
    'show_as_button',
  ];
  let ga: ManagementClient;
  beforeAll(() => {
    ga = sdk({ maxRetries: 0 });
  });

  it('adds (201), reads, updates and removes (204) an enabled connection; only GA fields are shown', async () => {
    const org = sim.addOrganization({ name: 'ga-roundtrip' }).id;
    const added = await ga.organizations.enabledConnections
      .add(org, { connection_id: saml.id, assign_membership_on_login: true })
      .withRawResponse();
    use('organizations.enabledConnections.add');
    expect(added.rawResponse.status).toBe(201);
    expect(added.data).toEqual({
      connection_id: saml.id,
      assign_membership_on_login: true,
      show_as_button: true,
      is_signup_enabled: false,
      connection: { name: saml.name, strategy: 'samlp' },
    });

    const got = await ga.organizations.enabledConnections.get(org, saml.id);
    use('organizations.enabledConnections.get');
    expect(got).toEqual(added.data);

    const updated = await ga.organizations.enabledConnections.update(org, saml.id, {
      show_as_button: false,
      is_signup_enabled: true,
    });
    use('organizations.enabledConnections.update');
    expect(updated).toEqual({ ...added.data, show_as_button: false, is_signup_enabled: true });
    const patch = sim.kit.requests.filter((r) => r.method === 'PATCH').at(-1)!;
    expect(patch.path).toBe(`/api/v2/organizations/${org}/enabled_connections/${saml.id}`);
    expect(JSON.parse(patch.body)).toEqual({ show_as_button: false, is_signup_enabled: true });

    const removed = await ga.organizations.enabledConnections.delete(org, saml.id).withRawResponse();
    use('organizations.enabledConnections.delete');
    expect(removed.rawResponse.status).toBe(204);
    expect(removed.data).toBeUndefined();
    await expectRejects(ga.organizations.enabledConnections.get(org, saml.id), Management.NotFoundError);
    expect(sim.state.connections.some((c) => c.id === saml.id)).toBe(true); // the tenant connection stays
  });

  it('one record, two views: an EA-written connection shows through GA without the EA fields, and GA writes show through EA', async () => {
    const org = sim.addOrganization({ name: 'ga-same-records' }).id;
    await ga.organizations.connections.create(org, {
      connection_id: waad.id,
      organization_connection_name: 'Contoso',
      organization_access_level: 'full',
      is_enabled: false,
    });
    const viaGa = await ga.organizations.enabledConnections.get(org, waad.id);
    expect(Object.keys(viaGa).sort()).toEqual([
      'connection',
      'connection_id',
      'is_signup_enabled',
      'show_as_button',
    ]);
    await ga.organizations.enabledConnections.update(org, waad.id, { assign_membership_on_login: true });
    expect(await ga.organizations.connections.get(org, waad.id)).toMatchObject({
      organization_connection_name: 'Contoso',
      organization_access_level: 'full',
      is_enabled: false,
      assign_membership_on_login: true,
    });
    for (const oc of (await ga.organizations.enabledConnections.list(org)).data) {
      for (const key of Object.keys(oc)) expect(GA_FIELDS).toContain(key);
    }
  });

  it('validates GA bodies (additionalProperties: false; no nulls)', async () => {
    const org = sim.addOrganization({ name: 'ga-validation' }).id;
    const eaField = await expectRejects(
      ga.organizations.enabledConnections.add(org, {
        connection_id: db.id,
        is_enabled: true,
      } as unknown as Management.AddOrganizationConnectionRequestContent),
      Management.BadRequestError,
    );
    expect(eaField.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      errorCode: 'invalid_body',
      message: "Payload validation error: 'Additional properties not allowed: is_enabled'.",
    });
    await ga.organizations.enabledConnections.add(org, { connection_id: db.id });
    const access = await expectRejects(
      ga.organizations.enabledConnections.update(org, db.id, {
        organization_access_level: 'full',
      } as unknown as Management.UpdateOrganizationConnectionRequestContent),
      Management.BadRequestError,
    );
    expect((access.body as { message: string }).message).toBe(
      "Payload validation error: 'Additional properties not allowed: organization_access_level'.",
    );
    const nulled = await expectRejects(
      ga.organizations.enabledConnections.update(org, db.id, {
        show_as_button: null,
      } as unknown as Management.UpdateOrganizationConnectionRequestContent),
      Management.BadRequestError,
    );
    expect((nulled.body as { message: string }).message).toContain('on property show_as_button');
  });

  it('409 ConflictError on a duplicate add; 404 NotFoundError for a missing organization or organization connection', async () => {
    const org = sim.addOrganization({ name: 'ga-errors' }).id;
    await ga.organizations.enabledConnections.add(org, { connection_id: db.id });
    const dup = await expectRejects(
      ga.organizations.enabledConnections.add(org, { connection_id: db.id }),
      Management.ConflictError,
    );
    expect(dup.statusCode).toBe(409);
    expect(dup.body).toMatchObject({
      statusCode: 409,
      error: 'Conflict',
      message: 'The organization connection already exists.',
    });

    const missingOrg = 'org_doesnotexist000';
    const calls = (o: string, id: string): Array<() => Promise<unknown>> => [
      () => ga.organizations.enabledConnections.get(o, id),
      () => ga.organizations.enabledConnections.update(o, id, { show_as_button: true }),
      () => ga.organizations.enabledConnections.delete(o, id),
    ];
    for (const call of [
      () => ga.organizations.enabledConnections.list(missingOrg),
      () => ga.organizations.enabledConnections.add(missingOrg, { connection_id: db.id }),
      ...calls(missingOrg, db.id),
    ]) {
      const err = await expectRejects(call(), Management.NotFoundError);
      expect(err.body).toMatchObject({
        statusCode: 404,
        error: 'Not Found',
        errorCode: 'inexistent_organization',
      });
    }
    for (const call of calls(org, saml.id)) {
      const err = await expectRejects(call(), Management.NotFoundError);
      expect(err.body).toMatchObject({ statusCode: 404, errorCode: 'inexistent_organization_connection' });
    }
  });

  it('auto-paginates: with per_page (stops on a short page), without it (stops on an empty page), include_totals=false is a bare array', async () => {
    const org = sim.addOrganization({ name: 'ga-paging' }).id;
    const ids: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      const c = sim.addTenantConnection({ name: `ga-paging-${i}`, strategy: i % 2 ? 'samlp' : 'auth0' });
      await ga.organizations.enabledConnections.add(org, { connection_id: c.id });
      ids.push(c.id);
    }
    const listed = () =>
      sim.kit.requests.filter((r) => r.path === `/api/v2/organizations/${org}/enabled_connections`);
    sim.kit.resetRequests();

    const first = await ga.organizations.enabledConnections.list(org, { per_page: 3 });
    use('organizations.enabledConnections.list');
    expect(first.response).toMatchObject({ start: 0, limit: 3, total: 7 });
    const withPerPage: string[] = [];
    for await (const c of first) withPerPage.push(c.connection_id!);
    expect(withPerPage).toEqual(ids);
    expect(listed().map((r) => new URLSearchParams(r.query).get('page'))).toEqual(['0', '1', '2']);
    for (const r of listed()) expect(new URLSearchParams(r.query).get('include_totals')).toBe('true');

    sim.kit.resetRequests();
    const all: string[] = [];
    for await (const c of await ga.organizations.enabledConnections.list(org)) all.push(c.connection_id!);
    expect(all).toEqual(ids);
    expect(listed().map((r) => new URLSearchParams(r.query).get('page'))).toEqual(['0', '1']);

    const past = await ga.organizations.enabledConnections.list(org, { page: 3, per_page: 5 });
    expect(past.response).toEqual({ start: 15, limit: 5, total: 7, enabled_connections: [] });
    const bare = await ga.organizations.enabledConnections.list(org, { include_totals: false });
    expect(Array.isArray(bare.response)).toBe(true);
    expect((bare.response as unknown as unknown[]).length).toBe(7);
    expect(bare.data).toEqual([]);
  });
});

describe('official auth0 SDK 7.1.0: Self-Service SSO (selfServiceProfiles)', () => {
  let sso: ManagementClient;
  let profileId: string;
  beforeAll(() => {
    sso = sdk({ maxRetries: 0 });
  });

  it('creates (201), reads, lists, updates and deletes (204) self-service profiles', async () => {
    const created = await sso.selfServiceProfiles
      .create({
        name: 'Fidelity SSO',
        description: 'SSO for fidelity customers',
        allowed_strategies: ['samlp', 'oidc', 'okta'],
        user_attributes: [{ name: 'email', description: 'Email address', is_optional: false }],
        branding: { logo_url: 'https://fidelity.example/logo.png', colors: { primary: '#0a0' } },
      })
      .withRawResponse();
    use('selfServiceProfiles.create');
    expect(created.rawResponse.status).toBe(201);
    const profile = created.data;
    profileId = profile.id!;
    expect(profileId).toMatch(/^ssp_[A-Za-z0-9]{22}$/);
    expect(profile).toMatchObject({
      name: 'Fidelity SSO',
      description: 'SSO for fidelity customers',
      allowed_strategies: ['samlp', 'oidc', 'okta'],
      user_attributes: [{ name: 'email', description: 'Email address', is_optional: false }],
      branding: { logo_url: 'https://fidelity.example/logo.png', colors: { primary: '#0a0' } },
    });
    expect(Date.parse(profile.created_at!)).not.toBeNaN();

    expect(await sso.selfServiceProfiles.get(profileId)).toEqual(profile);
    use('selfServiceProfiles.get');

    const other = await sso.selfServiceProfiles.create({ name: 'Short-lived SSO' });
    sim.kit.resetRequests();
    const listed: string[] = [];
    for await (const p of await sso.selfServiceProfiles.list({ per_page: 1 })) listed.push(p.id!);
    use('selfServiceProfiles.list');
    expect(listed).toEqual([profileId, other.id]);
    const pages = sim.kit.requests.map((r) => new URLSearchParams(r.query));
    expect(pages.map((q) => q.get('page'))).toEqual(['0', '1', '2']);
    for (const q of pages) expect(q.get('include_totals')).toBe('true');
    const all: string[] = [];
    for await (const p of await sso.selfServiceProfiles.list()) all.push(p.id!);
    expect(all).toEqual([profileId, other.id]);

    const updated = await sso.selfServiceProfiles.update(profileId, {
      description: null,
      allowed_strategies: ['samlp', 'oidc'],
    });
    use('selfServiceProfiles.update');
    expect(updated.description).toBeUndefined();
    expect(updated.allowed_strategies).toEqual(['samlp', 'oidc']);

    const deleted = await sso.selfServiceProfiles.delete(other.id!).withRawResponse();
    use('selfServiceProfiles.delete');
    expect(deleted.rawResponse.status).toBe(204);
    expect(deleted.data).toBeUndefined();
    const gone = await expectRejects(sso.selfServiceProfiles.get(other.id!), Management.NotFoundError);
    expect(gone.body).toMatchObject({
      statusCode: 404,
      error: 'Not Found',
      message: 'Self-service profile not found',
    });

    const bad = await expectRejects(sso.selfServiceProfiles.create({ name: '' }), Management.BadRequestError);
    expect(bad.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      errorCode: 'invalid_body',
      message: "Payload validation error: 'String is too short (0 chars), minimum 1' on property name.",
    });
  });

  it('sets and reads the custom text of the assistant', async () => {
    const set = await sso.selfServiceProfiles.customText.set(profileId, 'en', 'get-started', {
      introduction: 'Welcome, Fidelity admins.',
    });
    use('selfServiceProfiles.customText.set');
    expect(set).toEqual({ introduction: 'Welcome, Fidelity admins.' });
    expect(await sso.selfServiceProfiles.customText.list(profileId, 'en', 'get-started')).toEqual(set);
    use('selfServiceProfiles.customText.list');
  });

  it('creates an SSO ticket (201 {ticket}) and revokes it (202, no body)', async () => {
    const org = sim.addOrganization({ name: 'sso-fidelity' }).id;
    const body: Management.CreateSelfServiceProfileSsoTicketRequestContent = {
      connection_config: { name: 'fidelity-sso-1' },
      enabled_organizations: [
        { organization_id: org, assign_membership_on_login: true, show_as_button: false },
      ],
      ttl_sec: 3600,
    };
    const created = await sso.selfServiceProfiles.ssoTicket.create(profileId, body).withRawResponse();
    use('selfServiceProfiles.ssoTicket.create');
    expect(created.rawResponse.status).toBe(201);
    expect(Object.keys(created.data)).toEqual(['ticket']);
    const url = new URL(created.data.ticket!);
    expect(url.pathname).toBe('/self-service/connections-flow');
    const ticketId = url.searchParams.get('ticket')!;
    const post = sim.kit.requests.filter((r) => r.path.endsWith('/sso-ticket')).at(-1)!;
    expect(post.path).toBe(`/api/v2/self-service-profiles/${profileId}/sso-ticket`);
    expect(post.headers['content-type']).toBe('application/json');
    expect(JSON.parse(post.body)).toEqual(body);

    const page = await fetch(created.data.ticket!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Welcome, Fidelity admins.');

    const revoked = await sso.selfServiceProfiles.ssoTicket.revoke(profileId, ticketId).withRawResponse();
    use('selfServiceProfiles.ssoTicket.revoke');
    expect(revoked.rawResponse.status).toBe(202);
    expect(revoked.data).toBeUndefined();
    const revoke = sim.kit.requests.at(-1)!;
    expect(revoke).toMatchObject({
      method: 'POST',
      path: `/api/v2/self-service-profiles/${profileId}/sso-ticket/${ticketId}/revoke`,
      body: '',
    });
    expect((await fetch(created.data.ticket!)).status).toBe(410);
    // A ticket Auth0 does not know: 202 all the same.
    await sso.selfServiceProfiles.ssoTicket.revoke(profileId, 'no-such-ticket');
  });

  it("maps the ticket endpoints' errors to the SDK's classes", async () => {
    const unknown = await expectRejects(
      sso.selfServiceProfiles.ssoTicket.create(profileId, {
        connection_config: { name: 'x' },
        connection_name: 'x',
      } as unknown as Management.CreateSelfServiceProfileSsoTicketRequestContent),
      Management.BadRequestError,
    );
    expect((unknown.body as { message: string }).message).toBe(
      "Payload validation error: 'Additional properties not allowed: connection_name'.",
    );
    const name = await expectRejects(
      sso.selfServiceProfiles.ssoTicket.create(profileId, { connection_config: { name: 'no_underscores' } }),
      Management.BadRequestError,
    );
    expect((name.body as { message: string }).message).toContain('on property connection_config.name');
    const ttl = await expectRejects(
      sso.selfServiceProfiles.ssoTicket.create(profileId, {
        connection_config: { name: 'ttl' },
        ttl_sec: 432_001,
      }),
      Management.BadRequestError,
    );
    expect((ttl.body as { message: string }).message).toBe(
      "Payload validation error: 'Value 432001 is greater than maximum 432000' on property ttl_sec.",
    );

    const limited = sdk({
      maxRetries: 0,
      clientId: PROFILES_ONLY.clientId,
      clientSecret: PROFILES_ONLY.clientSecret,
    });
    expect((await limited.selfServiceProfiles.get(profileId)).id).toBe(profileId);
    const noCreate = await expectRejects(
      limited.selfServiceProfiles.ssoTicket.create(profileId, { connection_config: { name: 'denied' } }),
      Management.ForbiddenError,
    );
    expect(noCreate.body).toMatchObject({
      statusCode: 403,
      error: 'Forbidden',
      message: 'Insufficient scope; expected any of: create:sso_access_tickets.',
    });
    await expectRejects(
      limited.selfServiceProfiles.ssoTicket.revoke(profileId, 'x'),
      Management.ForbiddenError,
    );
    await expectRejects(limited.selfServiceProfiles.create({ name: 'denied' }), Management.ForbiddenError);
  });
});

afterAll(() => {
  // 10 organization-connection methods (both families) + 8 around them + 9 of Self-Service SSO.
  expect([...exercised].sort()).toEqual([
    'connections.create',
    'connections.get',
    'connections.list',
    'organizations.connections.create',
    'organizations.connections.delete',
    'organizations.connections.get',
    'organizations.connections.list',
    'organizations.connections.update',
    'organizations.create',
    'organizations.delete',
    'organizations.enabledConnections.add',
    'organizations.enabledConnections.delete',
    'organizations.enabledConnections.get',
    'organizations.enabledConnections.list',
    'organizations.enabledConnections.update',
    'organizations.get',
    'organizations.list',
    'organizations.update',
    'selfServiceProfiles.create',
    'selfServiceProfiles.customText.list',
    'selfServiceProfiles.customText.set',
    'selfServiceProfiles.delete',
    'selfServiceProfiles.get',
    'selfServiceProfiles.list',
    'selfServiceProfiles.ssoTicket.create',
    'selfServiceProfiles.ssoTicket.revoke',
    'selfServiceProfiles.update',
  ]);
});
