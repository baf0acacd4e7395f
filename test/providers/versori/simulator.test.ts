import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VERSORI_API_BASE_PATH } from '../../../src/providers/versori/api-types.js';
import { versoriProvider } from '../../../src/providers/versori/definition.js';
import {
  APP_IDS,
  DEMO_CONNECTIONS,
  DEMO_ORGANISATION,
  fixtureApps,
} from '../../../src/providers/versori/fixtures.js';
import {
  startVersoriSimulator,
  VERSORI_SIM_DEFAULT_API_KEY,
  type VersoriSimulator,
  type VersoriSimulatorOptions,
} from '../../../src/providers/versori/simulator/index.js';
import { addOrganisation, storedSecretFingerprint } from '../../../src/providers/versori/simulator/state.js';
import type { SimExchange } from '../../../src/providers/versori/simulator/exchanges.js';
import { fingerprint } from '../../../src/simulator/fingerprint.js';
import { captureLogs } from '../../helpers/logs.js';
import { SwitchboardSpec } from './spec.js';
import { configured } from '../../helpers/providers.js';

/**
 * The simulator on its own, by plain HTTP. Every answer is checked against the spec; every request
 * it accepted (status < 400) is too. Requests it refused are deliberately invalid and only their
 * error answers are checked.
 */

const KEY = 'sim-test-key';
const ORG = 'org-sim-1';
let spec: SwitchboardSpec;
let sim: VersoriSimulator;
const others: VersoriSimulator[] = [];
const closed = new Set<VersoriSimulator>();

beforeAll(async () => {
  spec = await SwitchboardSpec.load();
  sim = await startVersoriSimulator({ apiKey: KEY, recordExchanges: true });
  addOrganisation(sim.state, ORG);
});

const checked = new Map<VersoriSimulator, number>();
afterEach(() => {
  const problems: string[] = [];
  for (const s of [sim, ...others]) {
    const from = checked.get(s) ?? 0;
    for (const ex of s.exchanges.slice(from)) {
      problems.push(...spec.checkResponse(ex));
      if (ex.status < 400) problems.push(...spec.checkRequest(asRecorded(ex), authTypeOf(ex)));
    }
    checked.set(s, s.exchanges.length);
  }
  expect(problems).toEqual([]);
});

afterAll(async () => {
  expect(spec.checkedResponses).toBeGreaterThan(30);
  await Promise.all([sim, ...others].filter((s) => !closed.has(s)).map((s) => s.close()));
});

function asRecorded(ex: SimExchange) {
  const headers: Record<string, string> = {};
  if (ex.authorization !== null) headers['authorization'] = ex.authorization;
  if (ex.requestBody !== undefined) headers['content-type'] = 'application/json';
  return {
    method: ex.method,
    path: ex.path,
    query: ex.query ? `?${ex.query}` : '',
    headers,
    body: ex.requestBody === undefined ? '' : JSON.stringify(ex.requestBody),
  };
}

/** A PUT body's variant is named by the connection's auth type, which its answer carries. */
function authTypeOf(ex: SimExchange): string | undefined {
  return (ex.responseBody as { authType?: string } | undefined)?.authType;
}

async function call(
  method: string,
  path: string,
  opts: { body?: unknown; raw?: string; auth?: string | null; on?: VersoriSimulator } = {},
) {
  const target = opts.on ?? sim;
  const headers: Record<string, string> = {};
  const auth = opts.auth === undefined ? `Bearer ${target.apiKey}` : opts.auth;
  if (auth !== null) headers['authorization'] = auth;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${target.baseUrl}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    json: (text === '' ? undefined : JSON.parse(text)) as Record<string, unknown>,
  };
}

/** Runs `body` with the path of a state file in a fresh temporary directory, removed afterwards. */
async function withStateFile(body: (stateFile: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'versori-sim-'));
  try {
    await body(join(dir, 'versori.json'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Another simulator, whose traffic afterEach checks against the spec like `sim`'s. */
async function startOther(opts: VersoriSimulatorOptions): Promise<VersoriSimulator> {
  const s = await startVersoriSimulator({ ...opts, recordExchanges: true });
  others.push(s);
  return s;
}

async function stop(s: VersoriSimulator): Promise<void> {
  await s.close();
  closed.add(s);
}

const apiKeyBody = (name: string, apiKey = `secret-${name}`) => ({
  name,
  appId: APP_IDS.apiKey,
  authType: 'apikey',
  data: { apiKey },
});

describe('authentication (Authorization header, spec security scheme apiKey)', () => {
  it('accepts the bare key and Bearer <key>; refuses a missing or wrong one with 401 { code, message }', async () => {
    expect((await call('GET', `/organisations/${ORG}/connections`, { auth: KEY })).status).toBe(200);
    expect((await call('GET', `/organisations/${ORG}/connections`, { auth: `Bearer ${KEY}` })).status).toBe(
      200,
    );
    const missing = await call('GET', `/organisations/${ORG}/connections`, { auth: null });
    expect(missing).toMatchObject({
      status: 401,
      json: { code: 'unauthenticated', message: 'the Authorization header is missing' },
    });
    const wrong = await call('GET', `/organisations/${ORG}/connections`, { auth: 'Bearer nope' });
    expect(wrong).toMatchObject({ status: 401, json: { code: 'unauthenticated' } });
  });
});

describe('create', () => {
  it('answers 201 with the Connection, keeps the secret and never returns it', async () => {
    const res = await call('POST', `/organisations/${ORG}/connections`, {
      body: apiKeyBody('crm', 'top-secret-crm-key'),
    });
    expect(res.status).toBe(201);
    expect(res.text).not.toContain('top-secret-crm-key');
    expect(res.json).toMatchObject({
      orgId: ORG,
      name: 'crm',
      authType: 'apikey',
      app: { id: APP_IDS.apiKey, name: 'Acme CRM' },
      authConfig: { type: 'apikey', isValid: true },
      usedByBoards: [],
    });
    expect(typeof res.json['credentialId']).toBe('string');
    expect(storedSecretFingerprint(sim.state, ORG, res.json['id'] as string)).toBe(
      fingerprint({ apiKey: 'top-secret-crm-key' }),
    );
  });

  it.each([
    ['body that is not JSON', { raw: '{nope' }, 'not valid JSON'],
    ['missing appId', { body: { name: 'x', authType: 'apikey', data: { apiKey: 'k' } } }, 'appId'],
    ['unknown app', { body: { ...apiKeyBody('x'), appId: 'app_missing' } }, 'app app_missing does not exist'],
    [
      'authType the app does not support',
      {
        body: {
          name: 'x',
          appId: APP_IDS.apiKey,
          authType: 'httpBasicAuth',
          data: { user: 'u', password: 'p' },
        },
      },
      'does not support authType httpBasicAuth',
    ],
    [
      'unknown authType',
      { body: { name: 'x', appId: APP_IDS.apiKey, authType: 'saml', data: {} } },
      'not a known auth type',
    ],
    [
      'data in snake_case',
      {
        body: {
          name: 'x',
          appId: APP_IDS.apiKey,
          authType: 'apikey',
          data: { api_key: 'value-never-echoed' },
        },
      },
      'data',
    ],
    [
      'interactive OAuth2 app',
      {
        body: {
          name: 'x',
          appId: APP_IDS.authorizationCode,
          authType: 'oauth2',
          data: { clientId: 'c', clientSecret: 's' },
        },
      },
      'connection-init',
    ],
    [
      'bad JWT algorithm',
      {
        body: {
          name: 'x',
          appId: APP_IDS.jwtBearer,
          authType: 'jwtbearer',
          data: { secret: 's', payload: {}, algorithm: 'none' },
        },
      },
      'data.algorithm',
    ],
  ])('refuses a %s with 400', async (_label, opts, message) => {
    const res = await call('POST', `/organisations/${ORG}/connections`, opts);
    expect(res.status).toBe(400);
    expect(res.json['code']).toBe('bad_request');
    expect(res.json['message']).toContain(message);
    expect(res.text).not.toContain('value-never-echoed');
  });

  it('404 for an unknown organisation', async () => {
    expect(await call('POST', '/organisations/nobody/connections', { body: apiKeyBody('x') })).toMatchObject({
      status: 404,
      json: { code: 'not_found', message: 'organisation nobody not found' },
    });
  });

  it('accepts every ConnectionData variant for an app supporting its authType', async () => {
    const bodies = [
      { name: 'b', appId: APP_IDS.basicAuth, authType: 'httpBasicAuth', data: { user: 'u', password: 'p' } },
      { name: 'r', appId: APP_IDS.httpRefresh, authType: 'httprefresh', data: { secret: 's' } },
      {
        name: 'o',
        appId: APP_IDS.oauth2,
        authType: 'oauth2',
        data: { clientId: 'c', clientSecret: 's', additionalParameters: 'audience=x', authStyle: 1 },
      },
      { name: 'o2', appId: APP_IDS.oauth2, authType: 'apikey', data: { apiKey: 'k' } },
      {
        name: 'j',
        appId: APP_IDS.jwtBearer,
        authType: 'jwtbearer',
        data: { secret: 's', payload: { a: 1 }, algorithm: 'RS512', expiresIn: '1h' },
      },
      // The ConnectionData* schemas allow properties they do not name (afterEach checks the request against the spec).
      {
        name: 'x',
        appId: APP_IDS.apiKey,
        authType: 'apikey',
        data: { apiKey: 'k', note: 'other keys pass' },
      },
    ];
    for (const body of bodies) {
      const res = await call('POST', `/organisations/${ORG}/connections`, { body });
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({ authType: body.authType, authConfig: { type: body.authType } });
      expect(storedSecretFingerprint(sim.state, ORG, res.json['id'] as string)).toBe(fingerprint(body.data));
    }
  });
});

describe('get, put, delete', () => {
  it('PUT replaces name and data, rotates the credential id and answers 200 without the secret', async () => {
    const created = (
      await call('POST', `/organisations/${ORG}/connections`, { body: apiKeyBody('before', 'key-before') })
    ).json;
    const id = created['id'] as string;
    const put = await call('PUT', `/organisations/${ORG}/connections/${id}`, {
      body: { name: 'after', data: { apiKey: 'key-after' } },
    });
    expect(put.status).toBe(200);
    expect(put.text).not.toContain('key-after');
    expect(put.json).toMatchObject({ id, name: 'after' });
    expect(put.json['credentialId']).not.toBe(created['credentialId']);
    expect(storedSecretFingerprint(sim.state, ORG, id)).toBe(fingerprint({ apiKey: 'key-after' }));
    expect((await call('GET', `/organisations/${ORG}/connections/${id}`)).json).toMatchObject({
      name: 'after',
      credentialId: put.json['credentialId'],
    });
  });

  it.each([
    ['without data', { name: 'renamed' }],
    ['with data: null', { name: 'renamed', data: null }],
  ])(
    'PUT %s (UpdateConnectionRequestBody requires it) is 400 { code, message } and changes nothing',
    async (_label, body) => {
      const created = (
        await call('POST', `/organisations/${ORG}/connections`, { body: apiKeyBody('whole', 'key-whole') })
      ).json;
      const id = created['id'] as string;
      const put = await call('PUT', `/organisations/${ORG}/connections/${id}`, { body });
      expect(put).toMatchObject({
        status: 400,
        json: { code: 'bad_request', message: 'data: required: an update replaces name and data together' },
      });
      // The spec calls such a PUT invalid too.
      expect(spec.checkRequest(asRecorded(sim.exchanges.at(-1) as SimExchange), 'apikey').join()).toContain(
        'data',
      );
      expect((await call('GET', `/organisations/${ORG}/connections/${id}`)).json).toMatchObject({
        name: 'whole',
        credentialId: created['credentialId'],
      });
      expect(storedSecretFingerprint(sim.state, ORG, id)).toBe(fingerprint({ apiKey: 'key-whole' }));
    },
  );

  it('a PUT with invalid data changes nothing', async () => {
    const id = (
      await call('POST', `/organisations/${ORG}/connections`, { body: apiKeyBody('keep', 'key-kept') })
    ).json['id'] as string;
    const put = await call('PUT', `/organisations/${ORG}/connections/${id}`, {
      body: { name: 'changed', data: { user: 'u', password: 'p' } },
    });
    expect(put.status).toBe(400);
    expect((await call('GET', `/organisations/${ORG}/connections/${id}`)).json['name']).toBe('keep');
    expect(storedSecretFingerprint(sim.state, ORG, id)).toBe(fingerprint({ apiKey: 'key-kept' }));
    expect(
      (await call('PUT', `/organisations/${ORG}/connections/${id}`, { body: { data: { apiKey: 'k' } } }))
        .status,
    ).toBe(400);
  });

  it('DELETE answers 200 { id }, then GET, PUT and DELETE are 404', async () => {
    const id = (await call('POST', `/organisations/${ORG}/connections`, { body: apiKeyBody('gone') })).json[
      'id'
    ] as string;
    expect(await call('DELETE', `/organisations/${ORG}/connections/${id}`)).toMatchObject({
      status: 200,
      json: { id },
    });
    expect(await call('GET', `/organisations/${ORG}/connections/${id}`)).toMatchObject({
      status: 404,
      json: { code: 'not_found' },
    });
    expect(
      (
        await call('PUT', `/organisations/${ORG}/connections/${id}`, {
          body: { name: 'x', data: { apiKey: 'k' } },
        })
      ).status,
    ).toBe(404);
    expect((await call('DELETE', `/organisations/${ORG}/connections/${id}`)).status).toBe(404);
    expect(storedSecretFingerprint(sim.state, ORG, id)).toBeUndefined();
  });

  it('unknown organisation or route → 404 { code, message }', async () => {
    expect(await call('GET', '/organisations/nobody/connections/x')).toMatchObject({
      status: 404,
      json: { code: 'not_found', message: 'organisation nobody not found' },
    });
    expect(await call('GET', '/organisations/nobody/connections')).toMatchObject({ status: 404 });
    const res = await fetch(`${sim.url}/v1alpha1/organisations/${ORG}/connections`, {
      headers: { authorization: KEY },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'not_found' });
  });
});

describe('pagination', () => {
  const PORG = 'org-paging';
  let ids: string[] = [];

  beforeAll(async () => {
    addOrganisation(sim.state, PORG);
    for (let i = 0; i < 23; i += 1) {
      const body =
        i % 5 === 0
          ? {
              name: `p${i}`,
              appId: APP_IDS.basicAuth,
              authType: 'httpBasicAuth',
              data: { user: 'u', password: 'p' },
            }
          : apiKeyBody(`p${i}`);
      ids.push((await call('POST', `/organisations/${PORG}/connections`, { body })).json['id'] as string);
    }
    ids = [...ids].sort();
  });

  it('first defaults to 20; next / prev / totalCount; after and before move between pages', async () => {
    const p1 = (await call('GET', `/organisations/${PORG}/connections`)).json;
    expect(p1['totalCount']).toBe(23);
    expect((p1['items'] as Array<{ id: string }>).map((c) => c.id)).toEqual(ids.slice(0, 20));
    expect(p1['prev']).toBeUndefined();
    const p2 = (await call('GET', `/organisations/${PORG}/connections?after=${p1['next'] as string}`)).json;
    expect((p2['items'] as Array<{ id: string }>).map((c) => c.id)).toEqual(ids.slice(20));
    expect(p2['next']).toBeUndefined();
    const back = (
      await call('GET', `/organisations/${PORG}/connections?first=5&before=${p2['prev'] as string}`)
    ).json;
    expect((back['items'] as Array<{ id: string }>).map((c) => c.id)).toEqual(ids.slice(15, 20));
    expect(typeof back['next']).toBe('string');
    expect(typeof back['prev']).toBe('string');
  });

  it('walks with first=4 and filters by appId', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = (
        await call('GET', `/organisations/${PORG}/connections?first=4${after ? `&after=${after}` : ''}`)
      ).json;
      seen.push(...(page['items'] as Array<{ id: string }>).map((c) => c.id));
      after = page['next'] as string | undefined;
    } while (after);
    expect(seen).toEqual(ids);
    const basic = (
      await call('GET', `/organisations/${PORG}/connections?appId=${APP_IDS.basicAuth}&first=50`)
    ).json;
    expect(basic['totalCount']).toBe(5);
  });

  it('ignorePaging answers every item, ignoring first/after, without next', async () => {
    sim.behaviour.ignorePaging = true;
    try {
      const page = (await call('GET', `/organisations/${PORG}/connections?first=2`)).json;
      expect((page['items'] as unknown[]).length).toBe(23);
      expect(page).toMatchObject({ totalCount: 23 });
      expect(page['next']).toBeUndefined();
    } finally {
      sim.behaviour.ignorePaging = false;
    }
  });

  it.each([
    ['first=0', 'first must be a positive integer'],
    ['first=abc', 'first must be a positive integer'],
    ['after=bm9wZQ', 'after is not a valid cursor'],
    ['after=x&before=y', 'cannot be combined'],
    ['sort=name', 'sort must look like'],
  ])('refuses %s with 400', async (query, message) => {
    const res = await call('GET', `/organisations/${PORG}/connections?${query}`);
    expect(res).toMatchObject({ status: 400, json: { code: 'bad_request' } });
    expect(res.json['message']).toContain(message);
  });
});

describe('state, control routes and the provider definition', () => {
  it('/__sim/organisations makes an organisation; /__sim/apps lists the catalogue', async () => {
    const made = await fetch(`${sim.url}/__sim/organisations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'org-ctl' }),
    });
    expect(made.status).toBe(201);
    expect((await call('GET', '/organisations/org-ctl/connections')).json).toEqual({
      totalCount: 0,
      items: [],
    });
    const apps = (await (await fetch(`${sim.url}/__sim/apps`)).json()) as Array<{
      id: string;
      authConfigs: unknown[];
    }>;
    expect(apps.map((a) => a.id)).toEqual(Object.values(APP_IDS));
  });

  it('persists to the state file and seeds the demo organisation only once', async () => {
    await withStateFile(async (stateFile) => {
      const first = await startOther({ stateFile, seedDemo: true });
      expect(first.apiKey).toBe(VERSORI_SIM_DEFAULT_API_KEY);
      expect(Object.keys(first.state.organisations[DEMO_ORGANISATION.id]?.connections ?? {})).toHaveLength(1);
      const created = await call('POST', `/organisations/${DEMO_ORGANISATION.id}/connections`, {
        body: apiKeyBody('persisted', 'persisted-key'),
        on: first,
      });
      expect(created.status).toBe(201);
      await stop(first);
      const second = await startOther({ stateFile, seedDemo: true });
      const list = await call('GET', `/organisations/${DEMO_ORGANISATION.id}/connections`, { on: second });
      expect((list.json['items'] as Array<{ name: string }>).map((c) => c.name)).toEqual([
        'Acme CRM (demo)',
        'persisted',
      ]);
      expect(storedSecretFingerprint(second.state, DEMO_ORGANISATION.id, created.json['id'] as string)).toBe(
        fingerprint({ apiKey: 'persisted-key' }),
      );
      // Ids stay increasing after a restart, so list order stays creation order.
      const later = await call('POST', `/organisations/${DEMO_ORGANISATION.id}/connections`, {
        body: apiKeyBody('later'),
        on: second,
      });
      expect((later.json['id'] as string) > (created.json['id'] as string)).toBe(true);
      await stop(second);
    });
  });

  it('the state file holds fingerprints, never a secret: a canary sent on create and on PUT is not on disk', async () => {
    const CANARY = 'canary-3d9e52b1-versori-state';
    await withStateFile(async (stateFile) => {
      const s = await startOther({ stateFile, seedDemo: true });
      const created = await call('POST', `/organisations/${DEMO_ORGANISATION.id}/connections`, {
        body: apiKeyBody('canary-conn', `${CANARY}-created`),
        on: s,
      });
      expect(created.status).toBe(201);
      const id = created.json['id'] as string;
      const put = await call('PUT', `/organisations/${DEMO_ORGANISATION.id}/connections/${id}`, {
        body: { name: 'canary-renamed', data: { apiKey: `${CANARY}-updated` } },
        on: s,
      });
      expect(put.status).toBe(200);
      await stop(s);

      const onDisk = readFileSync(stateFile, 'utf8');
      // The file is the state after both writes...
      expect(onDisk).toContain('canary-renamed');
      expect(onDisk).toContain(fingerprint({ apiKey: `${CANARY}-updated` }));
      // ...and holds neither secret, nor the demo seed's.
      expect(onDisk).not.toContain(CANARY);
      for (const seed of DEMO_CONNECTIONS)
        expect(onDisk).not.toContain(Object.values(seed.data)[0] as string);
    });
  });

  it('a version 1 state file (plaintext data) is restored with fingerprints and rewritten without the secret', async () => {
    const SECRET = 'v1-plaintext-secret-8c2f';
    await withStateFile(async (stateFile) => {
      const id = '01HZX0000000000000000000V1';
      const v1 = {
        version: 1,
        apps: fixtureApps(),
        organisations: {
          'org-v1': {
            id: 'org-v1',
            name: 'org-v1',
            connections: {
              [id]: {
                id,
                orgId: 'org-v1',
                name: 'old',
                appId: APP_IDS.apiKey,
                authType: 'apikey',
                credentialId: '01HZX0000000000000000000V2',
                data: { apiKey: SECRET },
                usedByBoards: [],
              },
            },
          },
        },
        idClock: 0,
        idSeq: 2,
      };
      writeFileSync(stateFile, JSON.stringify(v1));
      const s = await startOther({ stateFile });
      expect(s.state.version).toBe(2);
      expect(storedSecretFingerprint(s.state, 'org-v1', id)).toBe(fingerprint({ apiKey: SECRET }));
      expect(readFileSync(stateFile, 'utf8')).not.toContain(SECRET);
      expect(await call('GET', `/organisations/org-v1/connections/${id}`, { on: s })).toMatchObject({
        status: 200,
        json: { id, name: 'old' },
      });
      await stop(s);
    });
  });

  it('definition.startSimulator gives a working provider config, the demo organisation with one connection, and method/path requests', async () => {
    const setup = await versoriProvider.startSimulator({ port: 0 });
    try {
      expect(setup.providerConfig).toEqual({
        apiKey: VERSORI_SIM_DEFAULT_API_KEY,
        baseUrl: `${setup.url}${VERSORI_API_BASE_PATH}`,
      });
      expect(setup.demoExternalOrgId).toBe(DEMO_ORGANISATION.id);
      const adapter = versoriProvider.createAdapter(
        configured(versoriProvider, {
          id: 'versori',
          type: 'versori',
          ...(setup.providerConfig as { apiKey: string; baseUrl: string }),
        }),
        { logger: captureLogs().logger },
      );
      const page = await adapter.list({ requestId: 'r' }, setup.demoExternalOrgId, {
        limit: 50,
        cursor: undefined,
      });
      expect(page.items).toHaveLength(1);
      expect(page.items[0]).toMatchObject({
        name: 'Acme CRM (demo)',
        kind: APP_IDS.apiKey,
        details: { used_by_boards: [{ name: 'Nightly CRM sync' }] },
      });
      expect(setup.requests()).toEqual([
        { method: 'GET', path: `${VERSORI_API_BASE_PATH}/organisations/${DEMO_ORGANISATION.id}/connections` },
      ]);
    } finally {
      await setup.close();
    }
  });
});
