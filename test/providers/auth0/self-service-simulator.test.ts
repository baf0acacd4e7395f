import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_SELF_SERVICE_PROFILE } from '../../../src/providers/auth0/fixtures.js';
import { startAuth0Simulator, type Auth0Simulator } from '../../../src/providers/auth0/simulator/index.js';
import {
  ADMIN_SESSION_MS,
  MAX_OPENS,
  TICKET_PATH,
} from '../../../src/providers/auth0/simulator/self-service-page.js';

/**
 * The Self-Service SSO part of the Auth0 simulator over plain HTTP (docs/providers/auth0.md §10):
 * profiles, custom text, ticket bodies and Auth0's error wording, revoke, the scopes, the rate-limit
 * headers, and the ticket URL's lifetime (ttl_sec, the 5-hour session, 10 openings), on a clock the
 * test moves. The assistant page itself is driven in a browser in provider-flow.test.ts.
 */

const CLIENT = { clientId: 'ssoSimClient', clientSecret: 'sso-sim-secret' };
const NO_SSO = {
  clientId: 'noSsoClient',
  clientSecret: 'no-sso-secret',
  scopes: ['read:organization_connections'],
};
let clock = Date.parse('2026-03-01T12:00:00.000Z');
let sim: Auth0Simulator;
const tokens: Record<string, string> = {};
let profileId: string;
let orgId: string;

async function tokenFor(client: { clientId: string; clientSecret: string }): Promise<string> {
  const res = await fetch(`${sim.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.clientSecret,
      audience: sim.audience,
    }).toString(),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

async function api(
  path: string,
  init: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(`${sim.url}/api/v2${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${init.token ?? tokens['main']}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined
      ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }
      : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const ticketBody = (extra: Record<string, unknown> = {}) => ({
  connection_config: { name: 'sso-test-1' },
  enabled_organizations: [{ organization_id: orgId }],
  ...extra,
});

async function newTicket(extra: Record<string, unknown> = {}): Promise<{ url: string; id: string }> {
  const res = await api(`/self-service-profiles/${profileId}/sso-ticket`, {
    method: 'POST',
    body: ticketBody(extra),
  });
  expect(res.status).toBe(201);
  const url = (res.body as { ticket: string }).ticket;
  return { url, id: new URL(url).searchParams.get('ticket')! };
}

/** Opens the ticket URL as a browser would (GET), or posts its form. */
async function openTicket(
  url: string,
  form?: Record<string, string>,
): Promise<{ status: number; html: string }> {
  const res = await fetch(
    url,
    form
      ? {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(form).toString(),
        }
      : {},
  );
  return { status: res.status, html: await res.text() };
}

async function badTicket(body: unknown): Promise<unknown> {
  const res = await api(`/self-service-profiles/${profileId}/sso-ticket`, { method: 'POST', body });
  expect(res.status).toBe(400);
  return res.body;
}

beforeAll(async () => {
  sim = await startAuth0Simulator({ domain: 'sso.auth0.local', clients: [CLIENT, NO_SSO], now: () => clock });
  tokens['main'] = await tokenFor(CLIENT);
  tokens['none'] = await tokenFor(NO_SSO);
  profileId = sim.addSelfServiceProfile({ name: 'Test profile', allowed_strategies: ['samlp', 'oidc'] }).id;
  orgId = sim.addOrganization({ name: 'sso-org' }).id;
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  clock = Date.parse('2026-03-01T12:00:00.000Z');
});

describe('self-service profiles', () => {
  it('create (201), get, list in both envelopes, update (null clears), delete (204)', async () => {
    const created = await api('/self-service-profiles', {
      method: 'POST',
      body: {
        name: 'Acme SSO',
        description: 'For Acme',
        allowed_strategies: ['okta', 'samlp'],
        user_attributes: [{ name: 'email', description: 'Email', is_optional: false }],
        branding: { logo_url: 'https://acme.example/logo.png', colors: { primary: '#123abc' } },
      },
    });
    expect(created.status).toBe(201);
    const p = created.body as Record<string, unknown>;
    expect(p['id']).toMatch(/^ssp_[A-Za-z0-9]{22}$/);
    expect(p).toMatchObject({
      name: 'Acme SSO',
      description: 'For Acme',
      allowed_strategies: ['okta', 'samlp'],
      user_attributes: [{ name: 'email', description: 'Email', is_optional: false }],
      created_at: new Date(clock).toISOString(),
      updated_at: new Date(clock).toISOString(),
    });
    const id = p['id'] as string;
    expect((await api(`/self-service-profiles/${id}`)).body).toEqual(p);

    const bare = await api('/self-service-profiles');
    expect(Array.isArray(bare.body)).toBe(true);
    const totals = await api('/self-service-profiles?include_totals=true&per_page=1&page=1');
    expect(totals.body).toMatchObject({ start: 1, limit: 1, total: 2 });
    expect((totals.body as { self_service_profiles: unknown[] }).self_service_profiles).toHaveLength(1);

    clock += 1000;
    const patched = await api(`/self-service-profiles/${id}`, {
      method: 'PATCH',
      body: { description: null, name: 'Acme SSO 2', unknown_field: 1 },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).not.toHaveProperty('description');
    expect(patched.body).not.toHaveProperty('unknown_field');
    expect(patched.body).toMatchObject({ name: 'Acme SSO 2', updated_at: new Date(clock).toISOString() });

    const deleted = await api(`/self-service-profiles/${id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect(await api(`/self-service-profiles/${id}`)).toMatchObject({
      status: 404,
      body: { statusCode: 404, error: 'Not Found', message: 'Self-service profile not found' },
    });
  });

  it('validates profile bodies in Auth0 words', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, "Payload validation error: 'Missing required property: name'."],
      [
        { name: '' },
        "Payload validation error: 'String is too short (0 chars), minimum 1' on property name.",
      ],
      [
        { name: 'x', allowed_strategies: ['ldap'] },
        'Payload validation error: \'No enum match for: "ldap"\' on property allowed_strategies.0.',
      ],
      [
        { name: 'x', allowed_strategies: [] },
        "Payload validation error: 'Array is too short (0), minimum 1' on property allowed_strategies.",
      ],
      [
        { name: 'x', branding: { colors: { primary: 'red' } } },
        "Payload validation error: 'String does not match pattern: ^#([\\dA-Fa-f]{6}|[\\dA-Fa-f]{3})$' on property branding.colors.primary.",
      ],
    ];
    for (const [body, message] of cases) {
      const res = await api('/self-service-profiles', { method: 'POST', body });
      expect(res).toMatchObject({
        status: 400,
        body: { statusCode: 400, error: 'Bad Request', errorCode: 'invalid_body', message },
      });
    }
  });

  it('a 21st profile is 409 "No more profiles can be created for this tenant."', async () => {
    const own = await startAuth0Simulator({ domain: 'limit.auth0.local', clients: [CLIENT] });
    try {
      const t = await (async () => {
        const res = await fetch(`${own.url}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            grant_type: 'client_credentials',
            client_id: CLIENT.clientId,
            client_secret: CLIENT.clientSecret,
            audience: own.audience,
          }),
        });
        return ((await res.json()) as { access_token: string }).access_token;
      })();
      const create = (i: number) =>
        fetch(`${own.url}/api/v2/self-service-profiles`, {
          method: 'POST',
          headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `p${i}` }),
        });
      for (let i = 0; i < 20; i += 1) expect((await create(i)).status).toBe(201);
      const res = await create(20);
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({
        statusCode: 409,
        error: 'Conflict',
        message: 'No more profiles can be created for this tenant.',
      });
    } finally {
      await own.close();
    }
  });

  it('custom text: PUT overwrites, {} resets, only en/get-started', async () => {
    const path = `/self-service-profiles/${profileId}/custom-text/en/get-started`;
    expect((await api(path)).body).toEqual({});
    expect((await api(path, { method: 'PUT', body: { introduction: 'Hello admins' } })).body).toEqual({
      introduction: 'Hello admins',
    });
    expect((await api(path)).body).toEqual({ introduction: 'Hello admins' });
    expect((await api(path, { method: 'PUT', body: {} })).status).toBe(200);
    expect((await api(path)).body).toEqual({});
    expect((await api(`/self-service-profiles/${profileId}/custom-text/fr/get-started`)).status).toBe(400);
    expect((await api('/self-service-profiles/ssp_nothere/custom-text/en/get-started')).status).toBe(404);
  });

  it("403 without the scopes, in the profile endpoints' and the ticket endpoints' own words", async () => {
    const t = tokens['none']!;
    expect(await api('/self-service-profiles', { token: t })).toMatchObject({
      status: 403,
      body: {
        statusCode: 403,
        error: 'Forbidden',
        message: 'Insufficient scope, expected: read:self_service_profiles.',
      },
    });
    expect(
      await api(`/self-service-profiles/${profileId}/sso-ticket`, {
        token: t,
        method: 'POST',
        body: ticketBody(),
      }),
    ).toMatchObject({
      status: 403,
      body: { message: 'Insufficient scope; expected any of: create:sso_access_tickets.' },
    });
    expect(
      await api(`/self-service-profiles/${profileId}/sso-ticket/x/revoke`, { token: t, method: 'POST' }),
    ).toMatchObject({
      status: 403,
      body: { message: 'Insufficient scope; expected any of: delete:sso_access_tickets.' },
    });
    expect((await api('/self-service-profiles', { token: 'forged' })).status).toBe(401);
  });
});

describe('POST /self-service-profiles/{id}/sso-ticket', () => {
  it('201 {ticket}: the ticket URL on the host the API was called at, x-ratelimit-* headers', async () => {
    const res = await api(`/self-service-profiles/${profileId}/sso-ticket`, {
      method: 'POST',
      body: ticketBody(),
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body as object)).toEqual(['ticket']);
    const url = new URL((res.body as { ticket: string }).ticket);
    expect(url.origin).toBe(sim.url);
    expect(url.pathname).toBe(TICKET_PATH);
    expect(url.searchParams.get('ticket')).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(res.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(res.headers.get('x-ratelimit-remaining')).not.toBeNull();
    expect(res.headers.get('x-ratelimit-reset')).toMatch(/^\d+$/);
  });

  it('the auth0-custom-domain header picks the host of the ticket URL', async () => {
    const res = await api(`/self-service-profiles/${profileId}/sso-ticket`, {
      method: 'POST',
      body: ticketBody(),
      headers: { 'auth0-custom-domain': 'login.acme.example' },
    });
    expect((res.body as { ticket: string }).ticket).toMatch(
      /^https:\/\/login\.acme\.example\/self-service\/connections-flow\?ticket=/,
    );
  });

  it('accepts every documented field', async () => {
    const res = await api(`/self-service-profiles/${profileId}/sso-ticket`, {
      method: 'POST',
      body: {
        connection_config: {
          name: 'sso-generated-SAML-customer-12',
          display_name: 'Customer 12',
          is_domain_connection: false,
          show_as_button: true,
          metadata: { tier: 'gold', cleared: null },
          options: {
            icon_url: 'https://acme.example/icon.png',
            domain_aliases: ['acme.example'],
            idpinitiated: {
              enabled: true,
              client_id: 'abc',
              client_protocol: 'samlp',
              client_authorizequery: 'scope=openid',
            },
          },
        },
        enabled_clients: ['client1'],
        enabled_organizations: [
          { organization_id: orgId, assign_membership_on_login: true, show_as_button: false },
        ],
        ttl_sec: 0,
        domain_aliases_config: { domain_verification: 'optional', pending_domains: ['acme.example'] },
        provisioning_config: {
          scopes: ['get:users', 'post:users'],
          google_workspace: { sync_users: true, sync_groups: false },
          token_lifetime: 900,
        },
        use_for_organization_discovery: true,
        third_party_client_access_config: { allow_configuration: false },
      },
    });
    expect(res.status).toBe(201);
  });

  it('refuses what the schema refuses, in Auth0 words (additionalProperties: false, name pattern, ttl_sec range…)', async () => {
    const msg = (text: string, property?: string) =>
      `Payload validation error: '${text}'${property ? ` on property ${property}` : ''}.`;
    const cases: Array<[unknown, string]> = [
      [ticketBody({ connection_name: 'x' }), msg('Additional properties not allowed: connection_name')],
      [{ connection_config: {} }, msg('Missing required property: name')],
      [
        { connection_config: { name: '-bad-' } },
        msg(
          'String does not match pattern: ^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$',
          'connection_config.name',
        ),
      ],
      [
        { connection_config: { name: 'a--b' } },
        msg(
          'String does not match pattern: ^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$',
          'connection_config.name',
        ),
      ],
      [
        { connection_config: { name: 'a'.repeat(129) } },
        msg('String is too long (129 chars), maximum 128', 'connection_config.name'),
      ],
      [ticketBody({ ttl_sec: 432_001 }), msg('Value 432001 is greater than maximum 432000', 'ttl_sec')],
      [ticketBody({ ttl_sec: -1 }), msg('Value -1 is less than minimum 0', 'ttl_sec')],
      [ticketBody({ ttl_sec: 1.5 }), msg('Expected type integer but found type number', 'ttl_sec')],
      [
        { enabled_organizations: [{ assign_membership_on_login: true }] },
        msg('Missing required property: organization_id'),
      ],
      [
        { enabled_organizations: [{ organization_id: 'o'.repeat(51) }] },
        msg('String is too long (51 chars), maximum 50', 'enabled_organizations.0.organization_id'),
      ],
      [
        { enabled_organizations: [{ organization_id: orgId, show_as_button: 'yes' }] },
        msg('Expected type boolean but found type string', 'enabled_organizations.0.show_as_button'),
      ],
      [
        {
          connection_config: {
            name: 'm',
            metadata: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])),
          },
        },
        msg('Too many properties defined (11), maximum 10', 'connection_config.metadata'),
      ],
      [{ enabled_features: {} }, msg('Too few properties defined (0), minimum 1', 'enabled_features')],
      [
        { domain_aliases_config: { domain_verification: 'sometimes' } },
        msg('No enum match for: "sometimes"', 'domain_aliases_config.domain_verification'),
      ],
      [
        { provisioning_config: { token_lifetime: 899 } },
        msg('Value 899 is less than minimum 900', 'provisioning_config.token_lifetime'),
      ],
      [{ third_party_client_access_config: {} }, msg('Missing required property: allow_configuration')],
      [[], msg('Expected type object but found type array')],
    ];
    for (const [body, message] of cases)
      expect(await badTicket(body), JSON.stringify(body)).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        errorCode: 'invalid_body',
        message,
      });
    const notJson = await api(`/self-service-profiles/${profileId}/sso-ticket`, {
      method: 'POST',
      body: '{nope',
    });
    expect(notJson).toMatchObject({ status: 400, body: { message: 'Invalid request payload JSON format' } });
  });

  it("does not enforce the guide's cross-field rules (their errors are not documented)", async () => {
    const res = await api(`/self-service-profiles/${profileId}/sso-ticket`, {
      method: 'POST',
      body: {
        connection_config: { name: 'both' },
        connection_id: 'con_x',
        use_for_organization_discovery: true,
        enabled_features: { provisioning: true },
      },
    });
    expect(res.status).toBe(201);
    // Neither connection_id nor connection_config: accepted too (the page then creates nothing).
    expect(
      (await api(`/self-service-profiles/${profileId}/sso-ticket`, { method: 'POST', body: {} })).status,
    ).toBe(201);
  });

  it("an unknown profile is 404 (undeclared for this endpoint: the profile GET's answer)", async () => {
    expect(
      await api('/self-service-profiles/ssp_nothere/sso-ticket', { method: 'POST', body: ticketBody() }),
    ).toMatchObject({
      status: 404,
      body: { statusCode: 404, message: 'Self-service profile not found' },
    });
  });
});

describe('ticket lifetime and revoke', () => {
  it('ttl_sec bounds the time until the first opening; then the admin has 5 hours', async () => {
    const { url } = await newTicket({ ttl_sec: 60 });
    clock += 60_000;
    expect(await openTicket(url)).toMatchObject({ status: 410 });
    expect((await openTicket(url)).html).toContain('This setup link has expired.');

    const second = await newTicket({ ttl_sec: 60 });
    clock += 59_000;
    const opened = await openTicket(second.url);
    expect(opened.status).toBe(200);
    expect(opened.html).toContain('Select Identity Provider');
    clock += ADMIN_SESSION_MS - 1;
    expect((await openTicket(second.url)).status).toBe(200); // past ttl_sec, within the session
    clock += 1;
    expect((await openTicket(second.url)).status).toBe(410);
    expect((await openTicket(second.url, { step: 'configure', strategy: 'samlp' })).status).toBe(410);
  });

  it('ttl_sec 0 or absent: 5 days', async () => {
    for (const extra of [{ ttl_sec: 0 }, {}]) {
      const { url } = await newTicket(extra);
      clock += 432_000_000 - 1;
      expect((await openTicket(url)).status).toBe(200);
      clock = Date.parse('2026-03-01T12:00:00.000Z');
      const late = await newTicket(extra);
      clock += 432_000_000;
      expect((await openTicket(late.url)).status).toBe(410);
      clock = Date.parse('2026-03-01T12:00:00.000Z');
    }
  });

  it(`a ticket URL opens at most ${MAX_OPENS} times`, async () => {
    const { url } = await newTicket();
    for (let i = 0; i < MAX_OPENS; i += 1) expect((await openTicket(url)).status).toBe(200);
    const refused = await openTicket(url);
    expect(refused.status).toBe(410);
    expect(refused.html).toContain('opened too many times');
  });

  it('revoke: 202 with no body (also for an unknown ticket); the URL stops working, also a session in progress', async () => {
    const { url, id } = await newTicket();
    expect((await openTicket(url)).status).toBe(200);
    const wrongProfile = await api(`/self-service-profiles/ssp_other/sso-ticket/${id}/revoke`, {
      method: 'POST',
    });
    expect(wrongProfile).toMatchObject({ status: 202, body: undefined });
    expect((await openTicket(url)).status).toBe(200);
    const revoked = await api(`/self-service-profiles/${profileId}/sso-ticket/${id}/revoke`, {
      method: 'POST',
    });
    expect(revoked).toMatchObject({ status: 202, body: undefined });
    expect(revoked.headers.get('x-ratelimit-limit')).toBe('1000');
    const page = await openTicket(url);
    expect(page.status).toBe(410);
    expect(page.html).toContain('This setup link has been revoked.');
    expect((await openTicket(url, { step: 'create', strategy: 'samlp' })).status).toBe(410);
    expect(sim.state.connections.some((c) => c.name === 'sso-test-1')).toBe(false);
    expect(
      (await api(`/self-service-profiles/${profileId}/sso-ticket/unknownticket/revoke`, { method: 'POST' }))
        .status,
    ).toBe(202);
  });

  it("an unknown ticket is 404; a deleted profile's tickets no longer open", async () => {
    expect((await openTicket(`${sim.url}${TICKET_PATH}?ticket=nothere`)).status).toBe(404);
    expect((await openTicket(`${sim.url}${TICKET_PATH}`)).status).toBe(404);
    const doomed = sim.addSelfServiceProfile({ name: 'Doomed' }).id;
    const res = await api(`/self-service-profiles/${doomed}/sso-ticket`, {
      method: 'POST',
      body: ticketBody(),
    });
    await api(`/self-service-profiles/${doomed}`, { method: 'DELETE' });
    expect((await openTicket((res.body as { ticket: string }).ticket)).status).toBe(410);
  });

  it("the page offers only the profile's strategies; another one goes back to the choice", async () => {
    const { url } = await newTicket();
    const page = await openTicket(url);
    expect(page.html).toContain('value="samlp"');
    expect(page.html).toContain('value="oidc"');
    expect(page.html).not.toContain('value="okta"');
    expect((await openTicket(url, { step: 'configure', strategy: 'okta' })).status).toBe(400);
    expect((await openTicket(url, { step: 'create', strategy: 'okta' })).status).toBe(400);
    expect(sim.state.connections.some((c) => c.name === 'sso-test-1')).toBe(false);
  });

  it('edit tickets and tickets without connection_config are accepted but run no flow', async () => {
    for (const body of [{ connection_id: 'con_Sm5Kp2Vx9Qa3LdEf' }, {}]) {
      const res = await api(`/self-service-profiles/${profileId}/sso-ticket`, { method: 'POST', body });
      const page = await openTicket((res.body as { ticket: string }).ticket);
      expect(page.status).toBe(400);
      expect(page.html).toContain('Simulator assumptions');
    }
  });

  it('keeps tickets by fingerprint only: the state file holds no ticket id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth0-sso-state-'));
    const stateFile = join(dir, 'auth0.json');
    const own = await startAuth0Simulator({ domain: 'file.auth0.local', clients: [CLIENT], stateFile });
    try {
      const t = await (async () => {
        const res = await fetch(`${own.url}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            grant_type: 'client_credentials',
            client_id: CLIENT.clientId,
            client_secret: CLIENT.clientSecret,
            audience: own.audience,
          }),
        });
        return ((await res.json()) as { access_token: string }).access_token;
      })();
      const p = own.addSelfServiceProfile({ name: 'File' }).id;
      const res = await fetch(`${own.url}/api/v2/self-service-profiles/${p}/sso-ticket`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
        body: JSON.stringify({ connection_config: { name: 'file-1' } }),
      });
      const id = new URL(((await res.json()) as { ticket: string }).ticket).searchParams.get('ticket')!;
      const text = readFileSync(stateFile, 'utf8');
      expect(text).not.toContain(id);
      expect(Object.keys((JSON.parse(text) as { ssoTickets: object }).ssoTickets)).toHaveLength(1);
    } finally {
      await own.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a seeded sandbox restored from a state file written before these endpoints gets its profile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth0-sso-old-state-'));
    const stateFile = join(dir, 'auth0.json');
    writeFileSync(
      stateFile,
      JSON.stringify({
        version: 2,
        domain: 'old.auth0.local',
        connections: [],
        organizations: [],
        organizationConnections: {},
        tokens: {},
      }),
    );
    const own = await startAuth0Simulator({ clients: [CLIENT], stateFile, seedDemo: true });
    try {
      expect(own.state.selfServiceProfiles.map((p) => p.id)).toEqual([SANDBOX_SELF_SERVICE_PROFILE.id]);
      expect(own.state.ssoTickets).toEqual({});
    } finally {
      await own.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
