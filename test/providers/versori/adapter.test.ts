import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Credentials } from '../../../src/core/adapter.js';
import { GatewayError } from '../../../src/core/errors.js';
import { secret } from '../../../src/core/secret.js';
import { versoriProvider } from '../../../src/providers/versori/definition.js';
import { APP_IDS } from '../../../src/providers/versori/fixtures.js';
import { storedSecretFingerprint } from '../../../src/providers/versori/simulator/state.js';
import { fingerprint } from '../../../src/simulator/fingerprint.js';
import { startHarness, TEST_ORG, type Harness } from './harness.js';
import { SwitchboardSpec } from './spec.js';
import { configured } from '../../helpers/providers.js';
import { checkChange, checkCreate, expectSecretConfig, refusal } from '../../helpers/checks.js';

let spec: SwitchboardSpec;
let h: Harness;

beforeAll(async () => {
  spec = await SwitchboardSpec.load();
  h = await startHarness(spec);
});

afterEach(() => {
  h.sim.kit.clearFaults();
  expect(h.specProblems()).toEqual([]);
});

afterAll(async () => {
  expect(spec.checkedRequests).toBeGreaterThan(20);
  expect(spec.checkedResponses).toBeGreaterThan(20);
  await h?.close();
});

function create(kind: string, name: string, credentials: Credentials) {
  return h.adapter.create(h.ctx, h.orgId, { kind, name }, secret(credentials));
}

function lastRequest(method: string) {
  const req = h.sim.kit.requests.filter((r) => r.method === method).at(-1);
  if (!req) throw new Error(`no ${method} request`);
  return { ...req, json: req.body === '' ? undefined : (JSON.parse(req.body) as Record<string, unknown>) };
}

async function rejection(p: Promise<unknown>): Promise<GatewayError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(GatewayError);
  return e as GatewayError;
}

describe('create: every credential type becomes its Switchboard authType and data', () => {
  const cases: Array<{
    label: string;
    kind: string;
    credentials: Credentials;
    authType: string;
    data: Record<string, unknown>;
  }> = [
    {
      label: 'api_key',
      kind: APP_IDS.apiKey,
      credentials: { type: 'api_key', api_key: 'ak-123456' },
      authType: 'apikey',
      data: { apiKey: 'ak-123456' },
    },
    {
      label: 'basic_auth',
      kind: APP_IDS.basicAuth,
      credentials: { type: 'basic_auth', user: 'erp-user', password: 'erp-pass' },
      authType: 'httpBasicAuth',
      data: { user: 'erp-user', password: 'erp-pass' },
    },
    {
      label: 'secret',
      kind: APP_IDS.httpRefresh,
      credentials: { type: 'secret', secret: 'relay-secret' },
      authType: 'httprefresh',
      data: { secret: 'relay-secret' },
    },
    {
      label: 'oauth2_client_credentials (minimal)',
      kind: APP_IDS.oauth2,
      credentials: { type: 'oauth2_client_credentials', client_id: 'cid', client_secret: 'csecret-1' },
      authType: 'oauth2',
      data: { clientId: 'cid', clientSecret: 'csecret-1' },
    },
    {
      label: 'oauth2_client_credentials (every field)',
      kind: APP_IDS.oauth2,
      credentials: {
        type: 'oauth2_client_credentials',
        client_id: 'cid',
        client_secret: 'csecret-2',
        username: 'svc',
        password: 'svc-pass',
        additional_parameters: 'audience=https://example.com',
        issue_token: true,
        auth_style: 2,
      },
      authType: 'oauth2',
      data: {
        clientId: 'cid',
        clientSecret: 'csecret-2',
        username: 'svc',
        password: 'svc-pass',
        additionalParameters: 'audience=https://example.com',
        issueToken: true,
        authStyle: 2,
      },
    },
    {
      label: 'jwt_bearer',
      kind: APP_IDS.jwtBearer,
      credentials: {
        type: 'jwt_bearer',
        secret: 'jwt-signing-secret',
        payload: { iss: 'plugboard', aud: 'ledger' },
        algorithm: 'HS512',
        prefix: 'JWT',
        expires_in: '15m',
      },
      authType: 'jwtbearer',
      data: {
        secret: 'jwt-signing-secret',
        payload: { iss: 'plugboard', aud: 'ledger' },
        algorithm: 'HS512',
        prefix: 'JWT',
        expiresIn: '15m',
      },
    },
    {
      label: 'jwt_bearer (minimal)',
      kind: APP_IDS.jwtBearer,
      credentials: { type: 'jwt_bearer', secret: 'jwt-secret-2', payload: {}, algorithm: 'RS256' },
      authType: 'jwtbearer',
      data: { secret: 'jwt-secret-2', payload: {}, algorithm: 'RS256' },
    },
  ];

  for (const c of cases) {
    it(c.label, async () => {
      const before = h.sim.kit.count('POST', /\/connections$/);
      const conn = await create(c.kind, `conn ${c.label}`, c.credentials);
      expect(h.sim.kit.count('POST', /\/connections$/)).toBe(before + 1);
      expect(lastRequest('POST').json).toEqual({
        name: `conn ${c.label}`,
        appId: c.kind,
        authType: c.authType,
        data: c.data,
      });
      expect(h.sim.exchanges.at(-1)?.status).toBe(201);
      expect(conn).toMatchObject({
        kind: c.kind,
        name: `conn ${c.label}`,
        status: 'active',
        health: { status: 'unknown', description: null, resolution_owner: null },
        credentials: { configured: true, type: null, updated_at: null },
        settings: {},
        details: { auth_config_type: c.authType },
      });
      expect(storedSecretFingerprint(h.sim.state, h.orgId, conn.external_id)).toBe(fingerprint(c.data));
      expect(h.adapter.credentialType?.(c.kind, c.credentials)).toBe(c.credentials['type']);
    });
  }

  it('answers the canonical connection from the 201 body', async () => {
    const conn = await create(APP_IDS.apiKey, 'crm', { type: 'api_key', api_key: 'crm-key-1' });
    const upstream = h.sim.state.organisations[h.orgId]?.connections[conn.external_id];
    expect(conn).toEqual({
      external_id: upstream?.id,
      kind: APP_IDS.apiKey,
      name: 'crm',
      status: 'active',
      health: { status: 'unknown', description: null, resolution_owner: null },
      credentials: { configured: true, type: null, updated_at: null },
      settings: {},
      details: {
        app_name: 'Acme CRM',
        auth_config_type: 'apikey',
        credential_id: upstream?.credentialId,
        used_by_boards: [],
      },
      created_at: null,
      updated_at: null,
    });
  });

  it('the gateway refuses a body without credentials or with invalid ones, so none reaches Versori', () => {
    const before = h.sim.kit.requests.length;
    const none = refusal(() => checkCreate(h.adapter, { kind: APP_IDS.apiKey, name: 'x' }));
    expect(none.code).toBe('validation_failed');
    expect(none.errors?.map((e) => e.pointer)).toEqual(['/credentials']);
    const bad = refusal(() =>
      checkCreate(h.adapter, { kind: APP_IDS.apiKey, name: 'x', credentials: { type: 'api_key' } }),
    );
    expect(bad.code).toBe('validation_failed');
    expect(bad.errors?.map((e) => e.pointer)).toEqual(['/credentials/api_key']);
    const unknownType = refusal(() =>
      checkCreate(h.adapter, {
        kind: APP_IDS.apiKey,
        name: 'x',
        credentials: { type: 'custom_function', data: 'x' },
      }),
    );
    expect(unknownType.errors?.[0]?.pointer).toBe('/credentials/type');
    expect(h.sim.kit.requests.length).toBe(before);
  });
});

describe('get and mapping', () => {
  it('maps a connection whose app auth config is invalid to unhealthy', async () => {
    const conn = await create(APP_IDS.invalidConfig, 'billing', { type: 'api_key', api_key: 'billing-key' });
    expect(conn.health.status).toBe('unhealthy');
    const got = await h.adapter.get(h.ctx, {
      connectionId: 'cn_1',
      externalOrgId: h.orgId,
      externalId: conn.external_id,
      kind: APP_IDS.invalidConfig,
    });
    expect(got.health).toEqual({
      status: 'unhealthy',
      description: expect.stringContaining('isValid is false') as unknown,
      resolution_owner: null,
    });
    expect(got.details).toMatchObject({ app_name: 'Billing Hub', auth_config_type: 'apikey' });
  });

  it('reads used_by_boards and the credential id', async () => {
    const conn = await create(APP_IDS.apiKey, 'boarded', { type: 'api_key', api_key: 'boarded-key' });
    const stored = h.sim.state.organisations[h.orgId]?.connections[conn.external_id];
    if (!stored) throw new Error('not stored');
    stored.usedByBoards = [
      { id: 'board-1', name: 'Nightly sync' },
      { id: 'board-2', name: 'Hourly sync' },
    ];
    const ref = {
      connectionId: 'cn_2',
      externalOrgId: h.orgId,
      externalId: conn.external_id,
      kind: APP_IDS.apiKey,
    };
    const got = await h.adapter.get(h.ctx, ref);
    expect(got.details).toEqual({
      app_name: 'Acme CRM',
      auth_config_type: 'apikey',
      credential_id: stored.credentialId,
      used_by_boards: [
        { id: 'board-1', name: 'Nightly sync' },
        { id: 'board-2', name: 'Hourly sync' },
      ],
    });
    expect(got.credentials).toEqual({ configured: true, type: null, updated_at: null });
  });
});

describe('replace (PUT { name, data })', () => {
  it('replaces name and secret in one PUT built from the state', async () => {
    const conn = await create(APP_IDS.apiKey, 'before', { type: 'api_key', api_key: 'old-key-1' });
    const ref = {
      connectionId: 'cn_3',
      externalOrgId: h.orgId,
      externalId: conn.external_id,
      kind: APP_IDS.apiKey,
    };
    const oldCredentialId = conn.details['credential_id'];
    const puts = h.sim.kit.count('PUT', /\/connections\//);
    const updated = await h.adapter.replace(h.ctx, ref, {
      name: 'after',
      status: 'active',
      settings: {},
      credentials: secret({ type: 'api_key', api_key: 'new-key-2' }),
    });
    expect(h.sim.kit.count('PUT', /\/connections\//)).toBe(puts + 1);
    expect(lastRequest('PUT').json).toEqual({ name: 'after', data: { apiKey: 'new-key-2' } });
    expect(updated.name).toBe('after');
    expect(updated.details['credential_id']).not.toBe(oldCredentialId);
    expect(storedSecretFingerprint(h.sim.state, h.orgId, conn.external_id)).toBe(
      fingerprint({ apiKey: 'new-key-2' }),
    );
    const got = await h.adapter.get(h.ctx, ref);
    expect(got.name).toBe('after');
  });

  it('replays other credential types too (jwt_bearer keeps its variant)', async () => {
    const conn = await create(APP_IDS.jwtBearer, 'ledger', {
      type: 'jwt_bearer',
      secret: 'jwt-1',
      payload: { sub: 'a' },
      algorithm: 'HS256',
    });
    const ref = {
      connectionId: 'cn_4',
      externalOrgId: h.orgId,
      externalId: conn.external_id,
      kind: APP_IDS.jwtBearer,
    };
    await h.adapter.replace(h.ctx, ref, {
      name: 'ledger',
      status: 'active',
      settings: {},
      credentials: secret({ type: 'jwt_bearer', secret: 'jwt-2', payload: { sub: 'b' }, algorithm: 'HS384' }),
    });
    expect(storedSecretFingerprint(h.sim.state, h.orgId, conn.external_id)).toBe(
      fingerprint({ secret: 'jwt-2', payload: { sub: 'b' }, algorithm: 'HS384' }),
    );
  });

  it('lets Versori refuse credentials of another auth type (the auth type cannot change)', async () => {
    const conn = await create(APP_IDS.apiKey, 'typed', { type: 'api_key', api_key: 'typed-key' });
    const ref = {
      connectionId: 'cn_5',
      externalOrgId: h.orgId,
      externalId: conn.external_id,
      kind: APP_IDS.apiKey,
    };
    const e = await rejection(
      h.adapter.replace(h.ctx, ref, {
        name: 'typed',
        status: 'active',
        settings: {},
        credentials: secret({ type: 'basic_auth', user: 'u', password: 'p' }),
      }),
    );
    expect(e.code).toBe('upstream_rejected');
    expect(e.upstreamStatus).toBe(400);
    expect(storedSecretFingerprint(h.sim.state, h.orgId, conn.external_id)).toBe(
      fingerprint({ apiKey: 'typed-key' }),
    );
  });

  it('refuses a null name without calling Versori', async () => {
    const puts = h.sim.kit.count('PUT', /\/connections\//);
    const ref = {
      connectionId: 'cn_6',
      externalOrgId: h.orgId,
      externalId: 'whatever',
      kind: APP_IDS.apiKey,
    };
    const e = await rejection(
      h.adapter.replace(h.ctx, ref, {
        name: null,
        status: 'active',
        settings: {},
        credentials: secret({ type: 'api_key', api_key: 'k-null' }),
      }),
    );
    expect(e.code).toBe('validation_failed');
    expect(h.sim.kit.count('PUT', /\/connections\//)).toBe(puts);
  });
});

describe('delete', () => {
  it('deletes (200 { id }) and the connection is then not found', async () => {
    const conn = await create(APP_IDS.basicAuth, 'to delete', {
      type: 'basic_auth',
      user: 'u',
      password: 'p-delete',
    });
    const ref = {
      connectionId: 'cn_7',
      externalOrgId: h.orgId,
      externalId: conn.external_id,
      kind: APP_IDS.basicAuth,
    };
    await h.adapter.delete(h.ctx, ref);
    const answer = h.sim.exchanges.at(-1);
    expect(answer).toMatchObject({ method: 'DELETE', status: 200, responseBody: { id: conn.external_id } });
    expect((await rejection(h.adapter.get(h.ctx, ref))).code).toBe('not_found');
    expect((await rejection(h.adapter.delete(h.ctx, ref))).code).toBe('not_found');
    expect(storedSecretFingerprint(h.sim.state, h.orgId, conn.external_id)).toBeUndefined();
  });
});

describe('errors', () => {
  const ref = (externalId: string, externalOrgId = TEST_ORG) => ({
    connectionId: 'cn_x',
    externalOrgId,
    externalId,
    kind: APP_IDS.apiKey,
  });

  it('404 (unknown connection or organisation) → not_found with the upstream message', async () => {
    const e = await rejection(h.adapter.get(h.ctx, ref('01HZZZZZZZZZZZZZZZZZZZZZZZ', h.orgId)));
    expect(e).toMatchObject({ code: 'not_found', provider: 'versori', upstreamStatus: 404 });
    expect(e.message).toContain('connection 01HZZZZZZZZZZZZZZZZZZZZZZZ not found');
    const org = await rejection(h.adapter.list(h.ctx, 'no-such-org', { limit: 10, cursor: undefined }));
    expect(org).toMatchObject({ code: 'not_found', upstreamStatus: 404 });
    expect(org.message).toContain('organisation no-such-org not found');
  });

  it('400 (unknown app, auth type the app does not support) → upstream_rejected', async () => {
    const unknownApp = await rejection(
      create('app_nope', 'x', { type: 'api_key', api_key: 'k-unknown-app' }),
    );
    expect(unknownApp).toMatchObject({ code: 'upstream_rejected', status: 422, upstreamStatus: 400 });
    expect(unknownApp.message).toContain('app app_nope does not exist');
    const unsupported = await rejection(
      create(APP_IDS.apiKey, 'x', { type: 'basic_auth', user: 'u', password: 'p' }),
    );
    expect(unsupported).toMatchObject({ code: 'upstream_rejected', upstreamStatus: 400 });
    expect(unsupported.message).toContain('does not support authType httpBasicAuth');
  });

  it('409 and 422 → upstream_rejected; 5xx → upstream_error; a non-JSON error body still maps', async () => {
    h.sim.kit.fault({
      method: 'POST',
      path: '/connections$',
      status: 409,
      body: { code: 'conflict', message: 'name already used' },
      times: 1,
    });
    const conflict = await rejection(create(APP_IDS.apiKey, 'dup', { type: 'api_key', api_key: 'k-dup' }));
    expect(conflict).toMatchObject({ code: 'upstream_rejected', upstreamStatus: 409 });
    expect(conflict.message).toBe('Versori (conflict): name already used');
    h.sim.kit.fault({
      method: 'POST',
      path: '/connections$',
      status: 422,
      body: { code: 'invalid', message: 'token could not be issued' },
      times: 1,
    });
    expect(await rejection(create(APP_IDS.apiKey, 'x', { type: 'api_key', api_key: 'k-422' }))).toMatchObject(
      { code: 'upstream_rejected', upstreamStatus: 422 },
    );
    h.sim.kit.fault({
      method: 'GET',
      path: '/connections/',
      status: 503,
      body: { code: 'unavailable', message: 'try later' },
    });
    const down = await rejection(h.adapter.get(h.ctx, ref('01HZZZZZZZZZZZZZZZZZZZZZZZ', h.orgId)));
    expect(down).toMatchObject({ code: 'upstream_error', upstreamStatus: 503 });
    h.sim.kit.clearFaults();
    h.sim.kit.fault({
      method: 'POST',
      path: '/connections$',
      status: 500,
      body: 'oops' as unknown as object,
      times: 1,
    });
    const plain = await rejection(create(APP_IDS.apiKey, 'x', { type: 'api_key', api_key: 'k-500' }));
    expect(plain).toMatchObject({ code: 'upstream_error', upstreamStatus: 500 });
  });

  it('401 (a wrong API key) → upstream_error naming the refused gateway credentials', async () => {
    const wrong = versoriProvider.createAdapter(
      configured(versoriProvider, {
        id: 'versori',
        type: 'versori',
        apiKey: 'not-the-key',
        baseUrl: h.sim.baseUrl,
      }),
      { logger: h.logs.logger },
    );
    const e = await rejection(wrong.list(h.ctx, h.orgId, { limit: 5, cursor: undefined }));
    expect(e).toMatchObject({ code: 'upstream_error', upstreamStatus: 401 });
    expect(e.message).toContain('were refused (401)');
  });
});

describe('authentication header', () => {
  it('sends Authorization: Bearer <key>, or the configured value as-is when it names its scheme', async () => {
    await h.adapter.list(h.ctx, h.orgId, { limit: 1, cursor: undefined });
    expect(lastRequest('GET').headers['authorization']).toBe('Bearer versori-test-key');
    const prefixed = versoriProvider.createAdapter(
      configured(versoriProvider, {
        id: 'versori',
        type: 'versori',
        apiKey: 'Bearer versori-test-key',
        baseUrl: h.sim.baseUrl,
      }),
      { logger: h.logs.logger },
    );
    await prefixed.list(h.ctx, h.orgId, { limit: 1, cursor: undefined });
    expect(lastRequest('GET').headers['authorization']).toBe('Bearer versori-test-key');
  });
});

describe('secrets never leak', () => {
  const CANARY = 'canary-5b1f0e6a-secret';

  function assertClean(e: unknown): void {
    const all = [
      e instanceof Error ? e.message : '',
      String(e),
      inspect(e, { depth: 5 }),
      JSON.stringify(e),
      JSON.stringify((e as GatewayError).errors ?? null),
    ].join('\n');
    expect(all).not.toContain(CANARY);
  }

  it('an upstream message echoing the submitted secret is scrubbed (create and replace)', async () => {
    h.sim.kit.fault({
      method: 'POST',
      path: '/connections$',
      status: 400,
      body: { code: 'bad_request', message: `apiKey ${CANARY} is malformed` },
      times: 1,
    });
    const e1 = await rejection(create(APP_IDS.apiKey, 'canary', { type: 'api_key', api_key: CANARY }));
    expect(e1.message).toContain('[redacted]');
    assertClean(e1);

    const conn = await create(APP_IDS.oauth2, 'canary oauth', {
      type: 'oauth2_client_credentials',
      client_id: 'cid',
      client_secret: `${CANARY}-0`,
    });
    h.sim.kit.fault({
      method: 'PUT',
      path: '/connections/',
      status: 422,
      body: { code: 'invalid', message: `client ${CANARY}-1 refused` },
    });
    const ref = {
      connectionId: 'cn_c',
      externalOrgId: h.orgId,
      externalId: conn.external_id,
      kind: APP_IDS.oauth2,
    };
    const e2 = await rejection(
      h.adapter.replace(h.ctx, ref, {
        name: 'canary',
        status: 'active',
        settings: {},
        credentials: secret({
          type: 'oauth2_client_credentials',
          client_id: 'cid',
          client_secret: `${CANARY}-1`,
        }),
      }),
    );
    assertClean(e2);
  });

  it('invalid credentials are described by field, never by value', async () => {
    const e = refusal(() =>
      checkCreate(h.adapter, {
        kind: APP_IDS.apiKey,
        name: 'x',
        credentials: { type: 'api_key', api_key: 'ok-value', extra: CANARY },
      }),
    );
    expect(e.errors?.[0]?.pointer).toBe('/credentials/extra');
    assertClean(e);
    const e2 = refusal(() =>
      checkCreate(h.adapter, {
        kind: APP_IDS.jwtBearer,
        name: 'x',
        credentials: { type: 'jwt_bearer', secret: 's-1234', payload: {}, algorithm: CANARY },
      }),
    );
    assertClean(e2);
    const e3 = refusal(() =>
      checkChange(h.adapter, APP_IDS.apiKey, { credentials: { type: 'api_key', api_key: 7, note: CANARY } }),
    );
    expect(e3.errors?.map((x) => x.pointer).sort()).toEqual(['/credentials/api_key', '/credentials/note']);
    assertClean(e3);
  });

  it('a refused API key echoed by Versori is scrubbed', async () => {
    const keyed = versoriProvider.createAdapter(
      configured(versoriProvider, { id: 'versori', type: 'versori', apiKey: CANARY, baseUrl: h.sim.baseUrl }),
      { logger: h.logs.logger },
    );
    h.sim.kit.fault({
      method: 'GET',
      path: '/connections$',
      status: 401,
      body: { code: 'unauthenticated', message: `Bearer ${CANARY} is not a key` },
      times: 1,
    });
    const e = await rejection(keyed.list(h.ctx, h.orgId, { limit: 1, cursor: undefined }));
    expect(e.code).toBe('upstream_error');
    assertClean(e);
  });

  it('no captured log line holds a secret', () => {
    expect(h.logs.lines.length).toBeGreaterThan(10);
    expect(h.logs.text()).toContain('upstream call');
    expect(h.logs.text()).not.toContain(CANARY);
    for (const s of [
      'ak-123456',
      'erp-pass',
      'relay-secret',
      'csecret-2',
      'jwt-signing-secret',
      'new-key-2',
      'versori-test-key',
    ]) {
      expect(h.logs.text()).not.toContain(s);
    }
  });
});

describe('definition and schemas', () => {
  it('declares a replace-model adapter with credentials and no settings', () => {
    expect(h.adapter.capabilities).toEqual({
      updateModel: 'replace',
      writableName: true,
      writableStatus: [],
      writableSettings: [],
      unsupportedSettings: [],
      supportsCredentials: true,
      supportsTest: false,
      supportsJobs: false,
      nullableName: false,
    });
    expect(h.adapter.schemas.settings).toBeNull();
    expect(h.adapter.schemas.name.safeParse('x').success).toBe(true);
    // Switchboard declares a plain string: the gateway sets no length rule of its own.
    expect(h.adapter.schemas.name.safeParse('').success).toBe(true);
    expect(h.adapter.schemas.name.safeParse(null).success).toBe(false);
    expect(h.adapter.test).toBeUndefined();
    expect(h.adapter.jobs).toBeUndefined();
  });

  it('create and credentials schemas are strict and discriminated on type', () => {
    const create = h.adapter.schemas.create;
    expect(
      create.safeParse({ kind: APP_IDS.apiKey, name: 'n', credentials: { type: 'api_key', api_key: 'k' } })
        .success,
    ).toBe(true);
    expect(
      create.safeParse({
        kind: APP_IDS.apiKey,
        name: 'n',
        credentials: { type: 'api_key', api_key: 'k' },
        settings: {},
      }).success,
    ).toBe(false);
    expect(
      create.safeParse({ kind: APP_IDS.apiKey, credentials: { type: 'api_key', api_key: 'k' } }).success,
    ).toBe(false);
    const creds = h.adapter.schemas.credentials(APP_IDS.apiKey);
    expect(creds?.safeParse({ type: 'basic_auth', user: 'u', password: '' }).success).toBe(true);
    expect(creds?.safeParse({ type: 'basic_auth', user: 'u', password: 'p', apiKey: 'x' }).success).toBe(
      false,
    );
    expect(
      creds?.safeParse({
        type: 'oauth2_client_credentials',
        client_id: 'c',
        client_secret: 's',
        auth_style: 3,
      }).success,
    ).toBe(true);
    expect(
      creds?.safeParse({
        type: 'oauth2_client_credentials',
        client_id: 'c',
        client_secret: 's',
        auth_style: 1.5,
      }).success,
    ).toBe(false);
    expect(
      creds?.safeParse({ type: 'jwt_bearer', secret: 's', payload: {}, algorithm: 'none' }).success,
    ).toBe(false);
    expect(creds?.safeParse({ type: 'custom_function', data: 'x' }).success).toBe(false);
  });

  it('config schema is strict and names apiKey as the secret', () => {
    expect(versoriProvider.type).toBe('versori');
    expectSecretConfig(versoriProvider.configSchema, { apiKey: 'the-api-key' }, 'apiKey');
  });
});
