import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { APP_IDS } from '../../../src/providers/versori/fixtures.js';
import {
  startVersoriSimulator,
  type VersoriSimulator,
} from '../../../src/providers/versori/simulator/index.js';
import {
  AUTHORIZE_PAGE_PATH,
  CODE_TTL_MS,
  OAUTH2_CALLBACK_PATH,
  RESULT_PAGE_PATH,
  STATE_TTL_MS,
} from '../../../src/providers/versori/simulator/oauth.js';
import type { SimExchange } from '../../../src/providers/versori/simulator/exchanges.js';
import { addOrganisation } from '../../../src/providers/versori/simulator/state.js';
import { SwitchboardSpec } from './spec.js';

/**
 * InitialiseConnection and the OAuth2 authorization-code flow behind it, by plain HTTP: the
 * request checks, both actions, the simulated provider's authorize page, and the public callback
 * with its refusals (reused, expired, unknown `state` or code; a cancelled grant). Every API answer
 * is checked against the spec, and every API request the simulator accepted.
 */

const KEY = 'init-test-key';
const ORG = 'org-init-1';
let spec: SwitchboardSpec;
let sim: VersoriSimulator;
/** The simulator's clock: tests move it on to expire a state or a code. */
let clock = Date.parse('2025-03-01T10:00:00Z');
const sims: VersoriSimulator[] = [];

beforeAll(async () => {
  spec = await SwitchboardSpec.load();
  sim = await startVersoriSimulator({ apiKey: KEY, recordExchanges: true, now: () => clock });
  sims.push(sim);
  addOrganisation(sim.state, ORG);
});

const checked = new Map<VersoriSimulator, number>();
afterEach(() => {
  const problems: string[] = [];
  for (const s of sims) {
    const from = checked.get(s) ?? 0;
    for (const ex of s.exchanges.slice(from)) {
      problems.push(...spec.checkResponse(ex));
      if (ex.status < 400) problems.push(...spec.checkRequest(asRecorded(ex)));
    }
    checked.set(s, s.exchanges.length);
  }
  expect(problems).toEqual([]);
});

afterAll(async () => {
  expect(spec.checkedResponses).toBeGreaterThan(20);
  await Promise.all(sims.map((s) => s.close()));
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

/** connection-init with `body` (or `opts.raw` as it is), as `opts.auth` (default the key) for `opts.org`. */
async function init(
  body: unknown,
  opts: { org?: string; auth?: string | null; raw?: string; body?: unknown } = {},
) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const auth = opts.auth === undefined ? `Bearer ${KEY}` : opts.auth;
  if (auth !== null) headers['authorization'] = auth;
  const res = await fetch(`${sim.baseUrl}/organisations/${opts.org ?? ORG}/connection-init`, {
    method: 'POST',
    headers,
    body: opts.raw ?? JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** connection-init for Social Inbox: the redirect URL. */
async function redirectUrl(on: VersoriSimulator = sim, org = ORG): Promise<URL> {
  const res = await fetch(`${on.baseUrl}/organisations/${org}/connection-init`, {
    method: 'POST',
    headers: { authorization: on.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ appId: APP_IDS.authorizationCode, authType: 'oauth2' }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { action: { redirect: { url: string } } };
  return new URL(body.action.redirect.url);
}

/** The authorize page's decision, as its form posts it: where the 303 sends the browser. */
async function decide(authorize: URL, decision: 'authorize' | 'cancel'): Promise<URL> {
  const form = new URLSearchParams(authorize.searchParams);
  form.set('decision', decision);
  const res = await fetch(new URL(AUTHORIZE_PAGE_PATH, authorize), {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  expect(res.status).toBe(303);
  return new URL(res.headers.get('location') ?? '');
}

/** The callback as the provider's redirect brings it (no API key), answered to an API client or a browser. */
async function callback(url: URL | string, browser = false) {
  const res = await fetch(url, {
    redirect: 'manual',
    headers: { accept: browser ? 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' : 'application/json' },
  });
  const text = await res.text();
  return {
    status: res.status,
    location: res.headers.get('location'),
    json: (text === '' ? undefined : JSON.parse(text)) as Record<string, unknown> | undefined,
  };
}

function connectionsOf(appId: string, on: VersoriSimulator = sim, org = ORG) {
  return Object.values(on.state.organisations[org]?.connections ?? {}).filter((c) => c.appId === appId);
}

describe('POST /organisations/{organisationId}/connection-init', () => {
  it('answers an OAuth2 authorization-code App with action.redirect: the simulated provider, a fresh opaque state each time', async () => {
    const res = await init({ appId: APP_IDS.authorizationCode, authType: 'oauth2' });
    expect(res.status).toBe(200);
    const action = res.json['action'] as Record<string, { url: string }>;
    expect(Object.keys(action)).toEqual(['redirect']);
    const url = new URL(action['redirect']?.url ?? '');
    expect(url.origin).toBe(sim.url);
    expect(url.pathname).toBe(AUTHORIZE_PAGE_PATH);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'switchboard-social-inbox',
      redirect_uri: `${sim.baseUrl}/connections/oauth2/callback`,
      scope: 'inbox.read',
    });
    const state = url.searchParams.get('state') ?? '';
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await redirectUrl()).searchParams.get('state')).not.toBe(state);
  });

  it.each([
    ['OAuth2 client credentials (Cloud Drive)', APP_IDS.oauth2, 'oauth2', ['clientId', 'clientSecret']],
    ['an API key (Acme CRM)', APP_IDS.apiKey, 'apikey', ['apiKey']],
    ['HTTP Basic (Legacy ERP)', APP_IDS.basicAuth, 'httpBasicAuth', ['user', 'password']],
  ])(
    'answers %s with action.form: the JSON Schema of the data a create takes',
    async (_l, appId, authType, required) => {
      const res = await init({ appId, authType });
      expect(res.status).toBe(200);
      const action = res.json['action'] as { form: { schema: Record<string, unknown> } };
      expect(Object.keys(action)).toEqual(['form']);
      expect(action.form.schema).toMatchObject({ type: 'object', required });
    },
  );

  it.each([
    ['a body that is not JSON', { raw: '{nope' }, 400, 'not valid JSON'],
    ['no appId', { body: { authType: 'oauth2' } }, 400, 'appId'],
    ['no authType', { body: { appId: APP_IDS.authorizationCode } }, 400, 'authType'],
    ['an appId that is not a string', { body: { appId: 7, authType: 'oauth2' } }, 400, 'appId'],
    [
      'an unknown App',
      { body: { appId: 'app_missing', authType: 'oauth2' } },
      400,
      'app app_missing does not exist',
    ],
    [
      'an unknown authType',
      { body: { appId: APP_IDS.authorizationCode, authType: 'saml' } },
      400,
      'not a known auth type',
    ],
    [
      'an authType the App does not support',
      { body: { appId: APP_IDS.authorizationCode, authType: 'apikey' } },
      400,
      'does not support authType apikey',
    ],
    [
      'an unknown organisation',
      { body: { appId: APP_IDS.apiKey, authType: 'apikey' }, org: 'org-nope' },
      404,
      'org-nope',
    ],
    ['no Authorization', { body: { appId: APP_IDS.apiKey, authType: 'apikey' }, auth: null }, 401, 'missing'],
  ] as const)('refuses %s with the error shape', async (_l, opts, status, message) => {
    const res = await init('body' in opts ? opts.body : undefined, opts);
    expect(res.status).toBe(status);
    expect(Object.keys(res.json).sort()).toEqual(['code', 'message']);
    expect(res.json['message']).toContain(message);
  });
});

describe('the simulated provider and GET /connections/oauth2/callback', () => {
  it('authorize page: the App, the Authorize and Cancel buttons, the assumptions; no cache, no Referer, no external assets', async () => {
    const res = await fetch(await redirectUrl());
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('Social Inbox');
    expect(html).toContain('>Authorize</button>');
    expect(html).toContain('>Cancel</button>');
    expect(html).toContain('Simulator assumptions');
    expect(html).toContain('no return URL');
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
  });

  it('authorize page refuses an unknown client_id or another redirect_uri with a page, never a redirect', async () => {
    const url = await redirectUrl();
    for (const [k, v] of [
      ['client_id', 'someone-else'],
      ['redirect_uri', 'https://evil.example/cb'],
      ['response_type', 'token'],
    ] as const) {
      const bad = new URL(url);
      bad.searchParams.set(k, v);
      const res = await fetch(bad, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('Authorization request refused');
    }
  });

  it('Authorize → the callback with code and state → 201 Credential, and the Connection is there', async () => {
    const before = connectionsOf(APP_IDS.authorizationCode).length;
    const authorize = await redirectUrl();
    const back = await decide(authorize, 'authorize');
    expect(`${back.origin}${back.pathname}`).toBe(`${sim.url}${OAUTH2_CALLBACK_PATH}`);
    expect(back.searchParams.get('state')).toBe(authorize.searchParams.get('state'));
    expect(back.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const res = await callback(back);
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      organisationID: ORG,
      name: 'Social Inbox',
      type: 'OAuth2Refresh',
      data: { clientID: Buffer.from('switchboard-social-inbox').toString('base64') },
    });
    expect(Object.keys(res.json?.['data'] as object).sort()).toEqual(['clientID', 'tokenURL']);

    const made = connectionsOf(APP_IDS.authorizationCode);
    expect(made).toHaveLength(before + 1);
    const conn = made.at(-1);
    expect(conn).toMatchObject({ name: 'Social Inbox', authType: 'oauth2', credentialId: res.json?.['id'] });
    const api = await fetch(`${sim.baseUrl}/organisations/${ORG}/connections/${conn?.id ?? ''}`, {
      headers: { authorization: KEY },
    });
    expect(await api.json()).toMatchObject({
      app: { id: APP_IDS.authorizationCode },
      authType: 'oauth2',
      authConfig: { type: 'oauth2', data: { flowType: 'authorization_code' } },
    });
  });

  it('refuses a state used before (same callback again), creating nothing', async () => {
    const back = await decide(await redirectUrl(), 'authorize');
    expect((await callback(back)).status).toBe(201);
    const count = connectionsOf(APP_IDS.authorizationCode).length;
    const again = await callback(back);
    expect(again).toMatchObject({
      status: 400,
      json: { code: 'bad_request', message: 'state was already used' },
    });
    expect(connectionsOf(APP_IDS.authorizationCode)).toHaveLength(count);
  });

  it('refuses a code used before, even with a fresh state', async () => {
    const first = await decide(await redirectUrl(), 'authorize');
    expect((await callback(first)).status).toBe(201);
    const fresh = await redirectUrl();
    const replay = new URL(first);
    replay.searchParams.set('state', fresh.searchParams.get('state') ?? '');
    expect(await callback(replay)).toMatchObject({ status: 400, json: { message: 'code was already used' } });
  });

  it('refuses an expired state and an expired code', async () => {
    const late = await decide(await redirectUrl(), 'authorize');
    const slow = await redirectUrl();
    clock += STATE_TTL_MS;
    expect(await callback(late)).toMatchObject({ status: 400, json: { message: 'state has expired' } });

    const back = await decide(slow, 'authorize');
    expect(await callback(back)).toMatchObject({ status: 400, json: { message: 'state has expired' } });

    const quick = await decide(await redirectUrl(), 'authorize');
    clock += CODE_TTL_MS;
    expect(await callback(quick)).toMatchObject({ status: 400, json: { message: 'code has expired' } });
  });

  it('refuses a missing or unknown state, and a missing or unknown code', async () => {
    const callbackUrl = `${sim.url}${OAUTH2_CALLBACK_PATH}`;
    expect(await callback(`${callbackUrl}?code=x`)).toMatchObject({
      status: 400,
      json: { message: 'state is required' },
    });
    expect(await callback(`${callbackUrl}?code=x&state=forged`)).toMatchObject({
      status: 400,
      json: { message: 'state is not valid: connection-init did not issue it' },
    });
    const state = (await redirectUrl()).searchParams.get('state') ?? '';
    expect(await callback(`${callbackUrl}?state=${state}`)).toMatchObject({
      status: 400,
      json: { message: 'code is required' },
    });
    const other = (await redirectUrl()).searchParams.get('state') ?? '';
    expect(await callback(`${callbackUrl}?state=${other}&code=made-up`)).toMatchObject({
      status: 400,
      json: { message: 'code is not valid' },
    });
  });

  it('Cancel → the callback with error and error_description → 400 oauth2_error; nothing is created and the state is spent', async () => {
    const count = connectionsOf(APP_IDS.authorizationCode).length;
    const authorize = await redirectUrl();
    const back = await decide(authorize, 'cancel');
    expect(back.searchParams.get('code')).toBeNull();
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe(authorize.searchParams.get('state'));
    const res = await callback(back);
    expect(res).toMatchObject({
      status: 400,
      json: {
        code: 'oauth2_error',
        extensions: { error: 'access_denied', error_description: 'The user cancelled the authorization.' },
      },
    });
    expect(connectionsOf(APP_IDS.authorizationCode)).toHaveLength(count);
    expect(await callback(back)).toMatchObject({ status: 400, json: { message: 'state was already used' } });
  });

  it('a browser is redirected (303) to the result page: "Connected", or why not', async () => {
    const ok = await callback(await decide(await redirectUrl(), 'authorize'), true);
    expect(ok.status).toBe(303);
    const landing = new URL(ok.location ?? '');
    expect(landing.pathname).toBe(RESULT_PAGE_PATH);
    const html = await (await fetch(landing)).text();
    expect(html).toContain('Connected — you can close this window');
    expect(html).toContain('Simulator assumptions');

    const cancelled = await callback(await decide(await redirectUrl(), 'cancel'), true);
    expect(cancelled.status).toBe(303);
    const page = await (await fetch(cancelled.location ?? '')).text();
    expect(page).toContain('Not connected');
    expect(page).toContain('access_denied');
  });

  it('keeps the new Connection in the state file (the callback is a GET)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'versori-oauth-'));
    try {
      const stateFile = join(dir, 'versori.json');
      const s = await startVersoriSimulator({ apiKey: KEY, recordExchanges: true, stateFile });
      sims.push(s);
      addOrganisation(s.state, 'org-file');
      const back = await decide(await redirectUrl(s, 'org-file'), 'authorize');
      expect((await callback(back)).status).toBe(201);
      const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as {
        organisations: Record<string, { connections: Record<string, { appId: string }> }>;
      };
      expect(Object.values(saved.organisations['org-file']?.connections ?? {}).map((c) => c.appId)).toEqual([
        APP_IDS.authorizationCode,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
