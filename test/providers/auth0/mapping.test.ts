import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AUTH0_CAPABILITIES,
  AUTH0_GA_CAPABILITIES,
  AUTH0_GA_SCHEMAS,
  AUTH0_SCHEMAS,
  decodeCursor,
  planPages,
} from '../../../src/providers/auth0/adapter.js';
import { auth0Audience, auth0Origin, managementApiError } from '../../../src/providers/auth0/client.js';
import { auth0ConfigSchema, auth0Provider } from '../../../src/providers/auth0/definition.js';
import {
  toAddBody,
  toCreateBody,
  toEnabledConnectionUpdateBody,
  toUpdateBody,
  toUpstreamConnection,
  toUpstreamEnabledConnection,
} from '../../../src/providers/auth0/mapping.js';
import { ConfigError, parseConfig } from '../../../src/config.js';
import { refreshMarginMs, tokenEndpointError } from '../../../src/providers/auth0/token.js';
import { Secret } from '../../../src/core/secret.js';
import {} from './harness.js';
import { configured } from '../../helpers/providers.js';
import { captureLogs } from '../../helpers/logs.js';

const base = { connection_id: 'con_Abc', connection: { name: 'acme-saml', strategy: 'samlp' } };
/** The canonical shape `base` maps to, in either family, with the fields that differ. */
const mapped = (o: { name: string; status: string; settings: Record<string, unknown> }) => ({
  external_id: 'con_Abc',
  kind: 'samlp',
  ...o,
  health: { status: 'unknown', description: null, resolution_owner: null },
  credentials: { configured: false, type: null, updated_at: null },
  details: { connection_name: 'acme-saml' },
  created_at: null,
  updated_at: null,
});

describe('toUpstreamConnection (contract §4, auth0 column)', () => {
  it('prefers the organization-scoped name and falls back to connection.name', () => {
    expect(toUpstreamConnection({ ...base, organization_connection_name: 'Acme SSO' }).name).toBe('Acme SSO');
    expect(toUpstreamConnection(base).name).toBe('acme-saml');
    expect(toUpstreamConnection({ connection_id: 'con_x' }).name).toBeNull();
  });

  it('status: is_enabled false → disabled, anything else (also absent: no documented default) → active', () => {
    expect(toUpstreamConnection({ ...base, is_enabled: false }).status).toBe('disabled');
    expect(toUpstreamConnection({ ...base, is_enabled: true }).status).toBe('active');
    expect(toUpstreamConnection(base).status).toBe('active');
  });

  it('kind is the strategy; details carry connection.name; settings only what is present', () => {
    const c = toUpstreamConnection({
      ...base,
      show_as_button: false,
      organization_access_level: 'none',
      is_enabled: true,
    });
    expect(c).toEqual(
      mapped({
        name: 'acme-saml',
        status: 'active',
        settings: { show_as_button: false, organization_access_level: 'none' },
      }),
    );
  });
});

describe('toUpstreamEnabledConnection (GA family)', () => {
  it('name is connection.name, status always active, settings the three GA fields present, details as EA', () => {
    // Fields the GA object does not have are ignored even if an upstream sent them.
    const ga = toUpstreamEnabledConnection({
      ...base,
      assign_membership_on_login: true,
      show_as_button: false,
      organization_connection_name: 'Ignored',
      organization_access_level: 'full',
      is_enabled: false,
    });
    expect(ga).toEqual(
      mapped({
        name: 'acme-saml',
        status: 'active',
        settings: { assign_membership_on_login: true, show_as_button: false },
      }),
    );
    expect(toUpstreamEnabledConnection({ connection_id: 'con_x' })).toMatchObject({
      kind: 'unknown',
      name: null,
      settings: {},
      details: { connection_name: null },
    });
  });
});

describe('request bodies', () => {
  it('create: external_connection_id → connection_id, name → organization_connection_name, status → is_enabled', () => {
    expect(toCreateBody({ external_connection_id: 'con_1' })).toEqual({ connection_id: 'con_1' });
    expect(
      toCreateBody({
        external_connection_id: 'con_1',
        name: 'N',
        status: 'active',
        settings: { is_signup_enabled: true },
      }),
    ).toEqual({
      connection_id: 'con_1',
      organization_connection_name: 'N',
      is_enabled: true,
      is_signup_enabled: true,
    });
  });

  it('update: only what changed, null name and null access level kept as null (EA PATCH clears with them)', () => {
    expect(toUpdateBody({})).toEqual({});
    expect(toUpdateBody({ name: null })).toEqual({ organization_connection_name: null });
    expect(toUpdateBody({ status: 'disabled', settings: { show_as_button: false } })).toEqual({
      is_enabled: false,
      show_as_button: false,
    });
    expect(toUpdateBody({ settings: { organization_access_level: null } })).toEqual({
      organization_access_level: null,
    });
  });

  it('GA add: connection_id and the three GA settings; GA PATCH: only the three GA settings', () => {
    expect(toAddBody({ external_connection_id: 'con_1' })).toEqual({ connection_id: 'con_1' });
    expect(
      toAddBody({
        external_connection_id: 'con_1',
        settings: { assign_membership_on_login: true, is_signup_enabled: false, show_as_button: true },
      }),
    ).toEqual({
      connection_id: 'con_1',
      assign_membership_on_login: true,
      is_signup_enabled: false,
      show_as_button: true,
    });
    expect(toEnabledConnectionUpdateBody({ settings: { show_as_button: false } })).toEqual({
      show_as_button: false,
    });
    // Name, status and the access level never reach a GA body (the core answers 422 first).
    expect(
      toEnabledConnectionUpdateBody({
        name: 'x',
        status: 'disabled',
        settings: { organization_access_level: 'full', is_signup_enabled: true },
      }),
    ).toEqual({ is_signup_enabled: true });
  });
});

describe('schemas and capabilities', () => {
  it('create is strict: external_connection_id 1–50, name 1–50 without NUL, settings strict, status active|disabled', () => {
    const ok = {
      external_connection_id: 'con_1',
      name: 'Acme',
      settings: { organization_access_level: 'limited' },
      status: 'disabled',
    };
    expect(AUTH0_SCHEMAS.create.safeParse(ok).success).toBe(true);
    for (const bad of [
      {},
      { external_connection_id: '' },
      { external_connection_id: 'x'.repeat(51) },
      { external_connection_id: 'con_1', name: 'a\0b' },
      { external_connection_id: 'con_1', name: '' },
      { external_connection_id: 'con_1', kind: 'samlp' },
      { external_connection_id: 'con_1', credentials: {} },
      { external_connection_id: 'con_1', settings: { unknown: true } },
      { external_connection_id: 'con_1', settings: { organization_access_level: 'admin' } },
      { external_connection_id: 'con_1', status: 'paused' },
    ])
      expect(AUTH0_SCHEMAS.create.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });

  it('name is nullable; settings has the four writable options; no credentials', () => {
    expect(AUTH0_SCHEMAS.name.safeParse(null).success).toBe(true);
    expect(AUTH0_SCHEMAS.name.safeParse('x'.repeat(50)).success).toBe(true);
    expect(AUTH0_SCHEMAS.name.safeParse('x'.repeat(51)).success).toBe(false);
    expect(
      AUTH0_SCHEMAS.settings?.safeParse({
        assign_membership_on_login: true,
        show_as_button: false,
        is_signup_enabled: true,
        organization_access_level: 'full',
      }).success,
    ).toBe(true);
    expect(AUTH0_SCHEMAS.settings?.safeParse({ is_enabled: true }).success).toBe(false);
    expect(AUTH0_SCHEMAS.credentials('samlp')).toBeNull();
    expect(AUTH0_CAPABILITIES).toEqual({
      updateModel: 'patch',
      writableName: true,
      writableStatus: ['active', 'disabled'],
      writableSettings: [
        'assign_membership_on_login',
        'show_as_button',
        'is_signup_enabled',
        'organization_access_level',
      ],
      unsupportedSettings: [],
      supportsCredentials: false,
      supportsTest: false,
      supportsJobs: false,
      nullableName: true,
    });
  });

  it("EA settings: organization_access_level null is accepted on PATCH, not on create (Auth0's create enum has no null)", () => {
    expect(AUTH0_SCHEMAS.settings?.safeParse({ organization_access_level: null }).success).toBe(true);
    expect(
      AUTH0_SCHEMAS.create.safeParse({
        external_connection_id: 'con_1',
        settings: { organization_access_level: null },
      }).success,
    ).toBe(false);
  });

  it('GA: create takes external_connection_id and the three settings only; capabilities say what the family lacks', () => {
    expect(
      AUTH0_GA_SCHEMAS.create.safeParse({
        external_connection_id: 'con_1',
        settings: { show_as_button: false },
      }).success,
    ).toBe(true);
    for (const bad of [
      { external_connection_id: 'con_1', name: 'x' },
      { external_connection_id: 'con_1', status: 'active' },
      { external_connection_id: 'con_1', settings: { organization_access_level: 'full' } },
    ])
      expect(AUTH0_GA_SCHEMAS.create.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    expect(
      AUTH0_GA_SCHEMAS.settings?.safeParse({
        assign_membership_on_login: true,
        show_as_button: false,
        is_signup_enabled: true,
      }).success,
    ).toBe(true);
    expect(AUTH0_GA_CAPABILITIES).toEqual({
      updateModel: 'patch',
      writableName: false,
      nullableName: false,
      writableStatus: [],
      writableSettings: ['assign_membership_on_login', 'show_as_button', 'is_signup_enabled'],
      unsupportedSettings: ['organization_access_level'],
      supportsCredentials: false,
      supportsTest: false,
      supportsJobs: false,
    });
  });

  it("connectionsApi picks the family's capabilities and schemas", () => {
    const make = (extra: Record<string, unknown>) =>
      auth0Provider.createAdapter(
        configured(auth0Provider, {
          id: 'a',
          type: 'auth0',
          domain: 'x.auth0.com',
          clientId: 'c',
          clientSecret: 's',
          ...extra,
        }),
        { logger: captureLogs('trace', { raw: true }).logger },
      );
    expect(make({}).capabilities).toEqual(AUTH0_CAPABILITIES);
    expect(make({ connectionsApi: 'connections' }).capabilities).toEqual(AUTH0_CAPABILITIES);
    expect(make({ connectionsApi: 'enabled_connections' }).capabilities).toEqual(AUTH0_GA_CAPABILITIES);
    expect(make({ connectionsApi: 'enabled_connections' }).schemas).toBe(AUTH0_GA_SCHEMAS);
  });

  it('the adapter has no test or jobs methods', () => {
    const adapter = auth0Provider.createAdapter(
      configured(auth0Provider, {
        id: 'auth0',
        type: 'auth0',
        domain: 'x.auth0.com',
        clientId: 'c',
        clientSecret: 's',
      }),
      { logger: captureLogs('trace', { raw: true }).logger },
    );
    expect('test' in adapter).toBe(false);
    expect('jobs' in adapter).toBe(false);
    expect(adapter.id).toBe('auth0');
    expect(adapter.type).toBe('auth0');
  });
});

describe('config', () => {
  it('takes domain, clientId, clientSecret, strictly; clientSecret is a secret key', () => {
    const parsed = auth0ConfigSchema.parse({
      domain: 'acme.eu.auth0.com',
      clientId: 'id',
      clientSecret: 'the-secret',
    });
    expect(parsed.clientSecret).toBeInstanceOf(Secret);
    expect(JSON.stringify(parsed)).not.toContain('the-secret');
    expect(
      auth0ConfigSchema.safeParse({ domain: 'acme.eu.auth0.com', clientId: 'id', clientSecret: 's' }).success,
    ).toBe(true);
    expect(
      auth0ConfigSchema.safeParse({ domain: 'login.acme.com:8443', clientId: 'id', clientSecret: 's' })
        .success,
    ).toBe(true);
    for (const domain of ['https://acme.auth0.com', 'acme.auth0.com/', 'acme.auth0.com/api/v2', '']) {
      expect(auth0ConfigSchema.safeParse({ domain, clientId: 'id', clientSecret: 's' }).success, domain).toBe(
        false,
      );
    }
    expect(
      auth0ConfigSchema.safeParse({ domain: 'a.auth0.com', clientId: 'id', clientSecret: 's', colour: 'x' })
        .success,
    ).toBe(false);
  });

  it('connectionsApi: "connections" or "enabled_connections", optional', () => {
    const entry = { domain: 'a.auth0.com', clientId: 'id', clientSecret: 's' };
    expect(auth0ConfigSchema.safeParse(entry).data).toEqual({ ...entry, clientSecret: expect.any(Secret) });
    for (const api of ['connections', 'enabled_connections'])
      expect(auth0ConfigSchema.safeParse({ ...entry, connectionsApi: api }).data).toMatchObject({
        connectionsApi: api,
      });
    for (const bad of ['enabled-connections', 'ga', '', 42, null])
      expect(auth0ConfigSchema.safeParse({ ...entry, connectionsApi: bad }).success, String(bad)).toBe(false);
  });

  it('audience: an absolute http(s) URL, optional', () => {
    const entry = { domain: 'login.acme.com', clientId: 'id', clientSecret: 's' };
    expect(
      auth0ConfigSchema.safeParse({ ...entry, audience: 'https://acme.eu.auth0.com/api/v2/' }).data,
    ).toMatchObject({ audience: 'https://acme.eu.auth0.com/api/v2/' });
    for (const bad of ['acme.eu.auth0.com', '/api/v2/', 'ftp://acme.eu.auth0.com/api/v2/', '', 7]) {
      expect(auth0ConfigSchema.safeParse({ ...entry, audience: bad }).success, String(bad)).toBe(false);
    }
  });

  it('a bad connectionsApi or audience in a config file is a problem naming the key path, never echoing a value', () => {
    const canary = 'CANARY-auth0-config-0001';
    const text = JSON.stringify({
      auth: { adminKey: 'admin-key-0123456789' },
      providers: [
        {
          id: 'ga',
          type: 'auth0',
          domain: 'a.auth0.com',
          clientId: 'id',
          clientSecret: canary,
          connectionsApi: `${canary}-api`,
        },
        {
          id: 'custom',
          type: 'auth0',
          domain: 'login.acme.com',
          clientId: 'id',
          clientSecret: canary,
          audience: `${canary}-audience`,
        },
        {
          id: 'fine',
          type: 'auth0',
          domain: 'login.acme.com',
          clientId: 'id',
          clientSecret: 's',
          audience: 'https://acme.auth0.com/api/v2/',
          connectionsApi: 'enabled_connections',
        },
      ],
    });
    let problems: string[] = [];
    try {
      parseConfig({ text, env: {}, definitions: [auth0Provider] });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems = e.problems;
    }
    expect(problems).toEqual([
      'providers[0].connectionsApi: must be one of "connections", "enabled_connections"',
      'providers[1].audience: must be an absolute URL, e.g. https://acme.eu.auth0.com/api/v2/',
    ]);
    expect(problems.join('\n')).not.toContain(canary);
    const ok = parseConfig({
      text: JSON.stringify({
        auth: { adminKey: 'admin-key-0123456789' },
        providers: [JSON.parse(text).providers[2]],
      }),
      env: {},
      definitions: [auth0Provider],
    });
    expect(ok.providers[0]).toMatchObject({
      audience: 'https://acme.auth0.com/api/v2/',
      connectionsApi: 'enabled_connections',
    });
  });

  it('problems never echo a value', () => {
    const secret = 'sup3r-secret-value';
    const r = auth0ConfigSchema.safeParse({ domain: `https://${secret}`, clientId: 1, clientSecret: 42 });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).not.toContain(secret);
    const missing = auth0ConfigSchema.safeParse({ domain: 'a.auth0.com', clientId: 'id' });
    expect(missing.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['clientSecret', 'required'],
    ]);
  });

  it("baseUrl replaces https://{domain}; the audience stays the domain's unless configured", () => {
    expect(auth0Origin('acme.auth0.com')).toBe('https://acme.auth0.com');
    expect(auth0Origin('acme.auth0.com', 'http://127.0.0.1:4010')).toBe('http://127.0.0.1:4010');
    expect(auth0Audience('acme.auth0.com')).toBe('https://acme.auth0.com/api/v2/');
    expect(auth0Audience('login.acme.com', 'https://acme.auth0.com/api/v2/')).toBe(
      'https://acme.auth0.com/api/v2/',
    );
  });
});

describe('offset paging plan', () => {
  it('covers [offset, offset + limit) with per_page ≤ 100, aligned pages, in the fewest requests', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 1, max: 200 }), (offset, limit) => {
        const p = planPages(offset, limit);
        expect(p.perPage).toBeGreaterThanOrEqual(1);
        expect(p.perPage).toBeLessThanOrEqual(100);
        expect(p.page * p.perPage + p.skip).toBe(offset);
        expect(p.skip).toBeLessThan(p.perPage);
        expect(p.requests * p.perPage).toBeGreaterThanOrEqual(p.skip + limit);
        expect(p.requests).toBeLessThanOrEqual(Math.ceil(limit / 100) + 1);
      }),
    );
  });

  it('one request whenever one aligned page can hold the slice', () => {
    expect(planPages(0, 50)).toEqual({ perPage: 50, page: 0, skip: 0, requests: 1 });
    expect(planPages(50, 50)).toEqual({ perPage: 50, page: 1, skip: 0, requests: 1 });
    expect(planPages(7, 10)).toMatchObject({ requests: 1 });
    expect(planPages(0, 200)).toEqual({ perPage: 100, page: 0, skip: 0, requests: 2 });
  });

  it('cursors are decimal offsets; anything else is refused', () => {
    expect(decodeCursor(undefined)).toBe(0);
    expect(decodeCursor('0')).toBe(0);
    expect(decodeCursor('120')).toBe(120);
    for (const bad of ['', '01', '-1', '1.5', 'abc', '1e3', '9999999999'])
      expect(() => decodeCursor(bad), bad).toThrow();
  });
});

describe('error mapping', () => {
  const headers = new Headers();
  const failure = (status: number, body: unknown, h = headers) => ({ status, headers: h, body });

  it("Management API bodies → contract codes with Auth0's message", () => {
    const nf = managementApiError(
      'auth0',
      failure(404, {
        statusCode: 404,
        error: 'Not Found',
        message: 'No organization found by that id or name',
        errorCode: 'inexistent_organization',
      }),
    );
    expect([nf.code, nf.provider, nf.upstreamStatus]).toEqual(['not_found', 'auth0', 404]);
    expect(nf.message).toBe(
      'Auth0 (auth0): No organization found by that id or name [inexistent_organization]',
    );
    expect(managementApiError('auth0', failure(409, { message: 'dup' })).code).toBe('conflict');
    expect(managementApiError('auth0', failure(400, { message: 'Payload validation error' })).code).toBe(
      'upstream_rejected',
    );
    expect(managementApiError('auth0', failure(403, { message: 'Insufficient scope' })).code).toBe(
      'upstream_error',
    );
    expect(managementApiError('auth0', failure(500, 'oops')).message).toContain('oops');
    expect(managementApiError('auth0', failure(502, '')).message).toContain('HTTP 502');
    const reset = String(Math.floor(Date.now() / 1000) + 30);
    const limited = managementApiError(
      'auth0',
      failure(429, { message: 'Global limit has been reached' }, new Headers({ 'x-ratelimit-reset': reset })),
    );
    expect(limited.code).toBe('rate_limited');
    expect(limited.retryAfter).toBeGreaterThanOrEqual(29);
    expect(limited.retryAfter).toBeLessThanOrEqual(31);
  });

  it('token endpoint failures are upstream_error (429 rate_limited), secret scrubbed', () => {
    const s = new Secret('echoed-secret');
    const denied = tokenEndpointError(
      'auth0-eu',
      failure(401, { error: 'access_denied', error_description: 'Unauthorized echoed-secret' }),
      s,
    );
    expect(denied.code).toBe('upstream_error');
    expect(denied.message).toContain('auth0-eu');
    expect(denied.message).toContain('access_denied: Unauthorized');
    expect(denied.message).not.toContain('echoed-secret');
    expect(tokenEndpointError('a', failure(429, {}, new Headers({ 'retry-after': '7' })), s)).toMatchObject({
      code: 'rate_limited',
      retryAfter: 7,
    });
  });

  it('refresh margin: 10 % of the lifetime, at most 60 s', () => {
    expect(refreshMarginMs(86_400)).toBe(60_000);
    expect(refreshMarginMs(300)).toBe(30_000);
    expect(refreshMarginMs(10)).toBe(1_000);
  });
});
