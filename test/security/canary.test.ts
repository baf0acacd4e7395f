import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth0Provider } from '../../src/providers/auth0/definition.js';
import { DEMO_ORGANIZATION as AUTH0_ORG, SPARE_TENANT_CONNECTIONS } from '../../src/providers/auth0/fixtures.js';
import { startAuth0Simulator, type Auth0Simulator } from '../../src/providers/auth0/simulator/index.js';
import { leenProvider } from '../../src/providers/leen/definition.js';
import { startLeenSimulator, type LeenSimulator } from '../../src/providers/leen/simulator/index.js';
import { versoriProvider } from '../../src/providers/versori/definition.js';
import { DEMO_ORGANISATION as VERSORI_ORG } from '../../src/providers/versori/fixtures.js';
import { startVersoriSimulator, type VersoriSimulator } from '../../src/providers/versori/simulator/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Canary values through every credential-bearing route of every provider and through their error
 * paths (the caller's bad input, the provider refusing and echoing what it was sent, failing,
 * timing out, a lost answer, a replayed answer), with the logs at `trace`. No canary may appear in
 * an answer, a log line, an event, a metric or a file of the database; the gateway's own provider
 * secrets (API keys, a client secret) are canaries too.
 */

const CANARY = 'CANARY-7c41f0e9-b2';
const canary = (n: string) => `${CANARY}-${n}`;
const LEEN_KEY = canary('leen-api-key');
const VERSORI_KEY = canary('versori-api-key');
const AUTH0_SECRET = canary('auth0-client-secret');

let leen: LeenSimulator;
let auth0: Auth0Simulator;
let versori: VersoriSimulator;
let gw: TestGateway;
const answers: string[] = [];
const BASE = '/v1/organizations/acme/connections';

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string; id: string }> {
  const res = await gw.call(method, path, { ...(body === undefined ? {} : { body }), headers });
  const text = await res.text();
  answers.push(`${res.status} ${JSON.stringify(Object.fromEntries(res.headers))} ${text}`);
  let id = '';
  try { id = String((JSON.parse(text) as { id?: unknown }).id ?? ''); } catch { /* not JSON */ }
  return { status: res.status, text, id };
}

beforeAll(async () => {
  leen = await startLeenSimulator({ apiKey: LEEN_KEY });
  auth0 = await startAuth0Simulator({ domain: 'canary.tenant.local', seedDemo: true, clients: [{ clientId: 'canary-client', clientSecret: AUTH0_SECRET }] });
  versori = await startVersoriSimulator({ seedDemo: true, apiKey: VERSORI_KEY });
  const leenOrg = ((await (await fetch(`${leen.url}/provisioning/organizations`, { method: 'POST', headers: { 'x-api-key': LEEN_KEY, 'content-type': 'application/json' }, body: '{"name":"Acme"}' })).json()) as { id: string }).id;
  gw = await startGateway({
    logLevel: 'trace',
    definitions: [leenProvider, auth0Provider, versoriProvider],
    providers: [
      { id: 'leen', type: 'leen', apiKey: LEEN_KEY, baseUrl: leen.url, timeoutMs: 200, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } },
      { id: 'auth0', type: 'auth0', domain: auth0.domain, clientId: 'canary-client', clientSecret: AUTH0_SECRET, baseUrl: auth0.url, retry: { attempts: 1 } },
      { id: 'versori', type: 'versori', apiKey: VERSORI_KEY, baseUrl: versori.baseUrl, timeoutMs: 200, retry: { attempts: 1 } },
    ],
  });
  expect((await call('POST', '/v1/organizations', { id: 'acme', name: 'Acme', links: { leen: leenOrg, auth0: AUTH0_ORG.id, versori: VERSORI_ORG.id } })).status).toBe(201);
});
afterAll(async () => {
  await gw.close();
  await Promise.all([leen.close(), auth0.close(), versori.close()]);
});

describe('canary', () => {
  it('goes through every credential-bearing route and error path of every provider, and is found nowhere', async () => {
    // Leen: create, change, the caller's bad credentials, the provider echoing them in a 422, a 500, a timeout, a lost answer, a replay.
    const tenable = (n: string) => ({ client_key: canary(`leen-ck-${n}`), secret_key: canary(`leen-sk-${n}`) });
    const created = await call('POST', BASE, { provider: 'leen', kind: 'TENABLE', name: 'leen-canary', credentials: tenable('create') }, { 'idempotency-key': 'canary-leen' });
    expect(created.status).toBe(201);
    expect((await call('POST', BASE, { provider: 'leen', kind: 'TENABLE', name: 'leen-canary', credentials: tenable('create') }, { 'idempotency-key': 'canary-leen' })).status).toBe(201);
    const id = created.id;
    expect((await call('PATCH', `${BASE}/${id}`, { credentials: tenable('patch') })).status).toBe(200);
    expect((await call('POST', BASE, { provider: 'leen', kind: 'TENABLE', credentials: { client_key: canary('leen-bad'), secret_key: 42 } })).status).toBe(400);
    expect((await call('POST', BASE, { provider: 'leen', kind: 'TENABLE', credentials: { ...tenable('extra'), surplus: canary('leen-surplus') } })).status).toBeLessThan(500);
    leen.kit.fault({ method: 'PATCH', status: 422, times: 1, body: { detail: [{ loc: ['body', 'credentials', 'secret_key'], msg: `invalid secret ${canary('leen-sk-echo')}`, type: 'value_error' }] } });
    expect((await call('PATCH', `${BASE}/${id}`, { credentials: tenable('echo') })).status).toBe(422);
    leen.kit.fault({ method: 'PATCH', status: 500, times: 1, body: { detail: `boom while storing ${canary('leen-sk-500')}` } });
    expect((await call('PATCH', `${BASE}/${id}`, { credentials: tenable('500') })).status).toBe(502);
    leen.kit.fault({ method: 'PATCH', stall: true, times: 2 });
    expect((await call('PATCH', `${BASE}/${id}`, { credentials: tenable('timeout') })).status).toBe(504);
    leen.kit.fault({ method: 'POST', stallAfter: true, times: 1 });
    expect((await call('POST', BASE, { provider: 'leen', kind: 'TENABLE', name: 'leen-lost', credentials: tenable('lost') })).status).toBe(504);

    // Versori: create, PUT, a rename (replays the stored copy), a refusal echoing the secret, a timeout.
    const apiKeyCreds = (n: string) => ({ type: 'api_key', api_key: canary(`versori-${n}`) });
    const v = await call('POST', BASE, { provider: 'versori', kind: 'app_apikey', name: 'versori-canary', credentials: apiKeyCreds('create') });
    expect(v.status).toBe(201);
    const vid = v.id;
    expect((await call('PUT', `${BASE}/${vid}`, { name: 'versori-canary-2', credentials: apiKeyCreds('put') })).status).toBe(200);
    expect((await call('PATCH', `${BASE}/${vid}`, { name: 'versori-canary-3' })).status).toBe(200);
    versori.kit.fault({ method: 'PUT', status: 400, times: 1, body: { code: 'bad_request', message: `rejected ${canary('versori-echo')}` } });
    expect((await call('PATCH', `${BASE}/${vid}`, { credentials: apiKeyCreds('echo') })).status).toBeGreaterThanOrEqual(400);
    versori.kit.fault({ method: 'PUT', stall: true, times: 1 });
    expect((await call('PATCH', `${BASE}/${vid}`, { credentials: apiKeyCreds('timeout') })).status).toBe(504);

    // Auth0: the client secret goes to the token endpoint on every token fetch, also when refused.
    expect((await call('POST', BASE, { provider: 'auth0', external_connection_id: SPARE_TENANT_CONNECTIONS[0]?.id })).status).toBe(201);
    auth0.expireTokens();
    auth0.kit.fault({ method: 'POST', path: '/oauth/token$', status: 401, times: 1, body: { error: 'access_denied', error_description: `bad secret ${AUTH0_SECRET}` } });
    expect((await call('GET', `${BASE}?provider=auth0`)).status).toBeGreaterThanOrEqual(400);
    expect((await call('GET', `${BASE}?limit=200`)).status).toBe(200);

    // Nowhere: answers, logs (trace), events, metrics, database files.
    const events = await call('GET', '/v1/events?limit=200');
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    const files = readdirSync(gw.dir).filter((f) => f.startsWith('gateway.db')).map((f) => readFileSync(join(gw.dir, f)).toString('latin1'));
    expect(gw.logs.lines.length).toBeGreaterThan(50);
    expect(gw.logs.logger.level).toBe('trace'); // every line the gateway writes was written
    for (const [where, text] of [['answers', answers.join('\n')], ['logs', gw.logs.text()], ['events', events.text], ['metrics', metrics], ['database', files.join('\n')]] as const) {
      expect(text.includes(CANARY), `a canary in the ${where}`).toBe(false);
    }
    // The providers did receive them (the test sent what it meant to).
    expect(leen.kit.requests.some((r) => r.body.includes(canary('leen-sk-patch')))).toBe(true);
  });
});
