import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../../src/simulator/fingerprint.js';
import { auth0Provider } from '../../../src/providers/auth0/definition.js';
import {
  DEMO_ORGANIZATION,
  SANDBOX_SELF_SERVICE_PROFILE,
  TENANT_CONNECTIONS,
} from '../../../src/providers/auth0/fixtures.js';
import { startAuth0Simulator, type Auth0Simulator } from '../../../src/providers/auth0/simulator/index.js';
import { ctx } from './harness.js';
import { configured } from '../../helpers/providers.js';
import { captureLogs } from '../../helpers/logs.js';

/** The simulator over plain HTTP: what neither the SDK test nor the adapter test reaches. */

const CLIENT = { clientId: 'simTestClient', clientSecret: 'sim-test-secret' };
const READ_ONLY = {
  clientId: 'readOnlyClient',
  clientSecret: 'read-only-secret',
  scopes: ['read:organization_connections'],
};
let sim: Auth0Simulator;
let token: string;

async function tokenRequest(
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

async function api(
  path: string,
  init: RequestInit & { token?: string } = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(`${sim.url}/api/v2${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${init.token ?? token}`,
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(init.headers as Record<string, string> | undefined),
    },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  sim = await startAuth0Simulator({
    domain: 'sim.auth0.local',
    clients: [CLIENT, READ_ONLY],
    tokenTtlSec: 3600,
    seedDemo: true,
  });
  const t = await tokenRequest(
    form({
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      audience: sim.audience,
    }),
    'application/x-www-form-urlencoded',
  );
  token = t.body['access_token'] as string;
});
afterAll(async () => {
  await sim.close();
});

describe('POST /oauth/token', () => {
  const good = () => ({
    grant_type: 'client_credentials',
    client_id: CLIENT.clientId,
    client_secret: CLIENT.clientSecret,
    audience: sim.audience,
  });

  it('answers form and JSON bodies with an opaque bearer token', async () => {
    for (const r of [
      await tokenRequest(form(good()), 'application/x-www-form-urlencoded'),
      await tokenRequest(JSON.stringify(good()), 'application/json'),
    ]) {
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
      expect(r.body['access_token']).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(String(r.body['scope']).split(' ')).toContain('create:organization_connections');
    }
  });

  it('accepts client_secret_basic', async () => {
    const basic = Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64');
    const r = await tokenRequest(
      form({ grant_type: 'client_credentials', audience: sim.audience }),
      'application/x-www-form-urlencoded',
      { authorization: `Basic ${basic}` },
    );
    expect(r.status).toBe(200);
  });

  it('answers OAuth errors', async () => {
    const cases: Array<[Record<string, string>, number, Record<string, string>]> = [
      [
        { ...good(), client_secret: 'nope' },
        401,
        { error: 'access_denied', error_description: 'Unauthorized' },
      ],
      [
        { ...good(), client_id: 'nobody' },
        401,
        { error: 'access_denied', error_description: 'Unauthorized' },
      ],
      [
        { ...good(), audience: 'https://elsewhere.auth0.com/api/v2/' },
        403,
        {
          error: 'access_denied',
          error_description: 'Service not found: https://elsewhere.auth0.com/api/v2/',
        },
      ],
      [
        { ...good(), audience: '' },
        403,
        {
          error: 'access_denied',
          error_description:
            'No audience parameter was provided, and no default audience has been configured',
        },
      ],
      [
        { ...good(), grant_type: '' },
        400,
        { error: 'invalid_request', error_description: 'Missing required parameter: grant_type' },
      ],
      [
        { ...good(), grant_type: 'password' },
        400,
        { error: 'unsupported_grant_type', error_description: 'Unsupported grant type: password' },
      ],
    ];
    for (const [fields, status, body] of cases) {
      const r = await tokenRequest(form(fields), 'application/x-www-form-urlencoded');
      expect([r.status, r.body], JSON.stringify(fields)).toEqual([status, body]);
    }
  });
});

describe('Management API', () => {
  it('checks the bearer token and its scopes', async () => {
    expect((await api(`/organizations/${DEMO_ORGANIZATION.id}`, { token: '' })).body).toMatchObject({
      statusCode: 401,
      message: 'Missing authentication',
    });
    expect((await api(`/organizations/${DEMO_ORGANIZATION.id}`, { token: 'forged' })).body).toMatchObject({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Invalid token',
    });
    const ro = await tokenRequest(
      form({
        grant_type: 'client_credentials',
        client_id: READ_ONLY.clientId,
        client_secret: READ_ONLY.clientSecret,
        audience: sim.audience,
      }),
      'application/x-www-form-urlencoded',
    );
    const roToken = ro.body['access_token'] as string;
    expect((await api(`/organizations/${DEMO_ORGANIZATION.id}/connections`, { token: roToken })).status).toBe(
      200,
    );
    const denied = await api(`/organizations/${DEMO_ORGANIZATION.id}/connections`, {
      token: roToken,
      method: 'POST',
      body: JSON.stringify({ connection_id: TENANT_CONNECTIONS[1]!.id }),
    });
    expect(denied).toMatchObject({
      status: 403,
      body: {
        statusCode: 403,
        error: 'Forbidden',
        errorCode: 'insufficient_scope',
        message: 'Insufficient scope, expected any of: create:organization_connections',
      },
    });
  });

  it('sends x-ratelimit-* on every response, errors included', async () => {
    for (const r of [
      await api('/connections'),
      await api('/organizations/org_nothere'),
      await api('/connections', { token: 'forged' }),
    ]) {
      expect(Number(r.headers.get('x-ratelimit-limit'))).toBeGreaterThan(0);
      expect(r.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
      expect(Number(r.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000 - 1);
    }
  });

  it('seeds tenant connections of several strategies; offset envelopes', async () => {
    const bare = await api('/connections');
    expect(Array.isArray(bare.body)).toBe(true);
    expect((bare.body as Array<{ strategy: string }>).slice(0, 7).map((c) => c.strategy)).toEqual([
      'auth0',
      'google-oauth2',
      'samlp',
      'waad',
      'okta',
      'email',
      'github',
    ]);
    expect(bare.body).toHaveLength(47); // + 40 spare ones in the demo tenant
    expect((await api('/connections?include_totals=true&per_page=2&page=1')).body).toMatchObject({
      start: 2,
      limit: 2,
      total: 47,
      connections: [{ strategy: 'samlp' }, { strategy: 'waad' }],
    });
    expect((await api('/connections?strategy=email&strategy=github')).body).toHaveLength(2);
  });

  it('organization connections: envelopes, empty past the end, is_enabled filter, query validation', async () => {
    const path = `/organizations/${DEMO_ORGANIZATION.id}/connections`;
    const bare = await api(path);
    expect(bare.body).toEqual([
      expect.objectContaining({
        connection_id: TENANT_CONNECTIONS[0]!.id,
        connection: { name: 'Username-Password-Authentication', strategy: 'auth0' },
      }),
      expect.objectContaining({
        organization_connection_name: 'Acme SSO',
        connection: { name: 'acme-saml', strategy: 'samlp' },
      }),
    ]);
    expect((await api(`${path}?include_totals=true&per_page=1&page=1`)).body).toMatchObject({
      start: 1,
      limit: 1,
      total: 2,
      connections: [{ organization_connection_name: 'Acme SSO' }],
    });
    expect((await api(`${path}?include_totals=true&page=5`)).body).toEqual({
      start: 250,
      limit: 50,
      total: 2,
      connections: [],
    });
    expect((await api(`${path}?page=5`)).body).toEqual([]);
    expect((await api(`${path}?is_enabled=false`)).body).toEqual([]);
    for (const q of [
      'per_page=0',
      'per_page=101',
      'page=-1',
      'page=x',
      'include_totals=yes',
      'is_enabled=1',
    ]) {
      const r = await api(`${path}?${q}`);
      expect([r.status, (r.body as { errorCode: string }).errorCode], q).toEqual([
        400,
        'invalid_query_string',
      ]);
    }
  });

  it('validates create and update bodies like Auth0 (additionalProperties: false, lengths, enums)', async () => {
    const org = sim.addOrganization({ name: 'validation' }).id;
    const post = (body: unknown) =>
      api(`/organizations/${org}/connections`, { method: 'POST', body: JSON.stringify(body) });
    const msg = async (p: Promise<{ status: number; body: unknown }>) => {
      const r = await p;
      expect(r.status).toBe(400);
      return (r.body as { message: string }).message;
    };
    expect(await msg(post({}))).toBe("Payload validation error: 'Missing required property: connection_id'.");
    expect(await msg(post({ connection_id: 'con_1', foo: 1 }))).toBe(
      "Payload validation error: 'Additional properties not allowed: foo'.",
    );
    expect(await msg(post({ connection_id: 'con_1', show_as_button: 'yes' }))).toBe(
      "Payload validation error: 'Expected type boolean but found type string' on property show_as_button.",
    );
    expect(
      await msg(post({ connection_id: 'con_1', organization_connection_name: 'x'.repeat(51) })),
    ).toContain('String is too long (51 chars), maximum 50');
    expect(await msg(post({ connection_id: 'con_1', organization_access_level: 'admin' }))).toContain(
      'No enum match for: "admin"',
    );
    expect(await msg(post({ connection_id: 'con_1', organization_connection_name: null }))).toContain(
      'Expected type string but found type null',
    );
    expect(await msg(api(`/organizations/${org}/connections`, { method: 'POST', body: '{nope' }))).toBe(
      'Invalid request payload JSON format',
    );

    const id = TENANT_CONNECTIONS[3]!.id;
    expect((await post({ connection_id: id })).status).toBe(201);
    const patch = (body: unknown) =>
      api(`/organizations/${org}/connections/${id}`, { method: 'PATCH', body: JSON.stringify(body) });
    expect(await msg(patch({ connection_id: id }))).toBe(
      "Payload validation error: 'Additional properties not allowed: connection_id'.",
    );
    expect(await msg(patch({ assign_membership_on_login: null }))).toContain(
      'on property assign_membership_on_login',
    );
    expect(
      (await patch({ organization_access_level: null, is_enabled: null, organization_connection_name: null }))
        .status,
    ).toBe(200);
  });

  it('accepts form-encoded Management API bodies too', async () => {
    const org = sim.addOrganization({ name: 'form-body' }).id;
    const res = await fetch(`${sim.url}/api/v2/organizations/${org}/connections`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ connection_id: TENANT_CONNECTIONS[1]!.id, is_enabled: 'false' }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ is_enabled: false, connection: { strategy: 'google-oauth2' } });
  });

  it("answers 404 with Auth0's body for unknown routes and resources", async () => {
    expect((await api('/nothing-here')).body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Not Found',
    });
    expect((await api('/organizations/org_nothere/connections')).body).toMatchObject({
      statusCode: 404,
      errorCode: 'inexistent_organization',
    });
    expect((await api('/connections/con_nothere')).status).toBe(404);
  });

  it('organizations: name rules, 409 on a duplicate name, lookup by name, inline enabled_connections', async () => {
    const create = (body: unknown) => api('/organizations', { method: 'POST', body: JSON.stringify(body) });
    expect((await create({ name: 'Bad Name' })).status).toBe(400);
    const made = await create({
      name: 'inline',
      enabled_connections: [{ connection_id: TENANT_CONNECTIONS[0]!.id, is_signup_enabled: true }],
    });
    expect(made.status).toBe(201);
    expect((await create({ name: 'inline' })).status).toBe(409);
    expect((await api('/organizations/name/inline')).body).toMatchObject({ name: 'inline' });
    const id = (made.body as { id: string }).id;
    // Documented defaults only: show_as_button true; is_enabled and assign_membership_on_login stay unset.
    expect((await api(`/organizations/${id}/connections`)).body).toEqual([
      {
        connection_id: TENANT_CONNECTIONS[0]!.id,
        is_signup_enabled: true,
        show_as_button: true,
        connection: { name: TENANT_CONNECTIONS[0]!.name, strategy: 'auth0' },
      },
    ]);
  });
});

describe('simulator controls', () => {
  it('POST /__sim/expire-tokens and PUT /__sim/rate-limit', async () => {
    const fresh = await tokenRequest(
      form({
        grant_type: 'client_credentials',
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret,
        audience: sim.audience,
      }),
      'application/x-www-form-urlencoded',
    );
    const t = fresh.body['access_token'] as string;
    expect((await api('/connections', { token: t })).status).toBe(200);
    expect((await fetch(`${sim.url}/__sim/expire-tokens`, { method: 'POST' })).status).toBe(204);
    expect((await api('/connections', { token: t })).body).toMatchObject({
      statusCode: 401,
      message: 'Expired token received for JSON Web Token validation',
    });

    const again = await tokenRequest(
      form({
        grant_type: 'client_credentials',
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret,
        audience: sim.audience,
      }),
      'application/x-www-form-urlencoded',
    );
    token = again.body['access_token'] as string;
    const put = await fetch(`${sim.url}/__sim/rate-limit`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ limit: 1, windowSec: 3600 }),
    });
    expect(put.status).toBe(204);
    expect((await api('/connections')).status).toBe(200);
    const limited = await api('/connections');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'Global limit has been reached',
      errorCode: 'too_many_requests',
    });
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    sim.setRateLimit({ limit: 1000, windowSec: 60 });
  });
});

describe('definition.startSimulator (sandbox)', () => {
  it('seeds the demo organization with two connections and keeps state across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth0-sim-'));
    const stateFile = join(dir, 'auth0.json');
    try {
      const setup = await auth0Provider.startSimulator({ port: 0, stateFile });
      expect(setup.demoExternalOrgId).toMatch(/^org_demo/);
      expect(setup.providerConfig).toEqual({
        domain: 'sandbox.auth0.local',
        clientId: expect.any(String),
        clientSecret: expect.any(String),
        baseUrl: setup.url,
        selfServiceProfileId: SANDBOX_SELF_SERVICE_PROFILE.id,
      });
      const config = {
        id: 'auth0',
        type: 'auth0',
        ...(setup.providerConfig as {
          domain: string;
          clientId: string;
          clientSecret: string;
          baseUrl: string;
          selfServiceProfileId: string;
        }),
      };
      const adapter = auth0Provider.createAdapter(configured(auth0Provider, config), {
        logger: captureLogs('trace', { raw: true }).logger,
      });
      const demo = await adapter.list(ctx(), setup.demoExternalOrgId, { limit: 50, cursor: undefined });
      expect(demo.items.map((c) => [c.kind, c.name])).toEqual([
        ['auth0', 'Username-Password-Authentication'],
        ['samlp', 'Acme SSO'],
      ]);
      await adapter.delete(ctx(), {
        connectionId: 'cn_x',
        externalOrgId: setup.demoExternalOrgId,
        externalId: demo.items[0]!.external_id,
        kind: 'auth0',
      });
      await setup.close();
      expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({
        version: 2,
        domain: 'sandbox.auth0.local',
      });

      const restarted = await auth0Provider.startSimulator({ port: 0, stateFile });
      try {
        const again = auth0Provider.createAdapter(
          configured(auth0Provider, { ...config, baseUrl: restarted.url }),
          { logger: captureLogs('trace', { raw: true }).logger },
        );
        const after = await again.list(ctx(), restarted.demoExternalOrgId, { limit: 50, cursor: undefined });
        expect(after.items.map((c) => c.name)).toEqual(['Acme SSO']); // restored, not re-seeded
      } finally {
        await restarted.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('state file', () => {
  it("holds neither an issued access token nor the client secret, only the token's fingerprint", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth0-sim-secrets-'));
    const stateFile = join(dir, 'auth0.json');
    const client = { clientId: 'stateFileClient', clientSecret: 'state-file-client-secret-c4n4ry' };
    const own = await startAuth0Simulator({ domain: 'state.auth0.local', clients: [client], stateFile });
    try {
      const org = own.addOrganization({ name: 'persisted' }).id;
      const res = await fetch(`${own.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form({
          grant_type: 'client_credentials',
          client_id: client.clientId,
          client_secret: client.clientSecret,
          audience: own.audience,
        }),
      });
      const accessToken = ((await res.json()) as { access_token: string }).access_token;
      // A write, so the kit rewrites the file after the token was used.
      const attached = await fetch(`${own.url}/api/v2/organizations/${org}/connections`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ connection_id: TENANT_CONNECTIONS[0]!.id }),
      });
      expect(attached.status).toBe(201);
      const text = readFileSync(stateFile, 'utf8');
      expect(text).toContain(TENANT_CONNECTIONS[0]!.id); // the file is the state after the call
      expect(text).toContain(fingerprint(accessToken)); // the token is known, by its fingerprint
      expect(text).not.toContain(accessToken);
      expect(text).not.toContain(client.clientSecret);
    } finally {
      await own.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a version-1 file (tokens kept in plaintext) is restored without its tokens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth0-sim-v1-'));
    const stateFile = join(dir, 'auth0.json');
    const plaintext = 'v1-plaintext-access-token-0123456789abcdef';
    writeFileSync(
      stateFile,
      JSON.stringify({
        version: 1,
        domain: 'old.auth0.local',
        connections: [],
        organizations: [],
        organizationConnections: {},
        tokens: {
          [plaintext]: {
            client_id: CLIENT.clientId,
            scope: 'read:connections',
            expires_at: Date.now() + 3_600_000,
          },
        },
      }),
    );
    const old = await startAuth0Simulator({ clients: [CLIENT], stateFile });
    try {
      expect(old.domain).toBe('old.auth0.local');
      const refused = await fetch(`${old.url}/api/v2/connections`, {
        headers: { authorization: `Bearer ${plaintext}` },
      });
      expect(refused.status).toBe(401);
      expect(readFileSync(stateFile, 'utf8')).not.toContain(plaintext);
    } finally {
      await old.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
