import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leenProvider } from '../../../src/providers/leen/definition.js';
import { DEMO_CONNECTIONS } from '../../../src/providers/leen/fixtures.js';
import { demoOrganizationId, startLeenSimulator, type LeenSimState } from '../../../src/providers/leen/simulator.js';
import type { RunningSimulator } from '../../../src/simulator/kit.js';
import { API_KEY, createOrg, leenFetch } from './setup.js';

type Json = Record<string, unknown>;
const CONNECTION_FIELDS = [
  'created_at', 'health', 'id', 'identifier', 'is_active', 'oauth2_authorize_url', 'organization_id', 'refresh_interval_secs',
  'state', 'timeout_secs', 'updated_at', 'vendor',
];
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('Leen simulator over plain HTTP', () => {
  let sim: RunningSimulator<LeenSimState>;
  let org: string;
  const base = () => `/provisioning/organizations/${org}/connections`;
  const create = async (body: unknown) => leenFetch(sim, 'POST', base(), body);

  beforeAll(async () => {
    sim = await startLeenSimulator({ apiKey: API_KEY });
    org = await createOrg(sim, 'Plain');
  });
  afterAll(() => sim.close());

  it('answers 401 without or with a wrong X-API-KEY on every provisioning route', async () => {
    for (const [method, path] of [['GET', '/provisioning/organizations'], ['POST', base()], ['GET', `${base()}/${UNKNOWN}`], ['DELETE', `${base()}/${UNKNOWN}`]] as const) {
      expect(await leenFetch(sim, method, path, undefined, null)).toEqual({ status: 401, body: { detail: 'Invalid API key' } });
      expect(await leenFetch(sim, method, path, undefined, 'nope')).toEqual({ status: 401, body: { detail: 'Invalid API key' } });
    }
  });

  it('creates, lists and reads organizations', async () => {
    const res = await leenFetch(sim, 'POST', '/provisioning/organizations', { name: 'Org A', identifier: 'org-a' });
    expect(res.status).toBe(200);
    const created = res.body as Json;
    expect(Object.keys(created).sort()).toEqual(['created_at', 'id', 'identifier', 'name']);
    expect(await leenFetch(sim, 'GET', `/provisioning/organizations/${String(created['id'])}`)).toEqual({ status: 200, body: created });
    const list = await leenFetch(sim, 'GET', '/provisioning/organizations?limit=1&offset=1');
    expect(list.body).toEqual({ items: [created], total: 2 });
    expect(await leenFetch(sim, 'GET', `/provisioning/organizations/${UNKNOWN}`)).toEqual({ status: 404, body: { detail: 'Organization not found' } });
    expect((await leenFetch(sim, 'POST', '/provisioning/organizations', { name: 'x', extra: 1 })).status).toBe(422);
  });

  it('answers 422 in FastAPI\'s shape for non-UUID path ids', async () => {
    const res = await leenFetch(sim, 'GET', `/provisioning/organizations/not-a-uuid/connections/also-not`);
    expect(res.status).toBe(422);
    const detail = (res.body as { detail: Json[] }).detail;
    expect(detail.map((d) => d['loc'])).toEqual([['path', 'organization_id'], ['path', 'connection_id']]);
    for (const d of detail) expect(d).toMatchObject({ type: 'uuid_parsing', msg: expect.stringMatching(/^Input should be a valid UUID/) });
  });

  it('creates a connection: 200, exact fields, no credentials; GET adds organization_name', async () => {
    const res = await create({ vendor: 'TENABLE', identifier: 'prod', credentials: { access_key: 'a', secret_key: 's' } });
    expect(res.status).toBe(200);
    const conn = res.body as Json;
    expect(Object.keys(conn).sort()).toEqual(CONNECTION_FIELDS);
    expect(conn).toMatchObject({
      vendor: 'TENABLE', identifier: 'prod', state: 'ACTIVE', is_active: true, organization_id: org, oauth2_authorize_url: null,
      health: { name: 'HEALTHY', status: 'HEALTHY', resolution_owner: 'LEEN', description: 'Connection is healthy', details: null },
    });
    const got = await leenFetch(sim, 'GET', `${base()}/${String(conn['id'])}`);
    expect(got.body).toEqual({ ...conn, organization_name: 'Plain' });
    expect(JSON.stringify(got.body)).not.toContain('"s"');
  });

  it('validates create bodies per vendor with FastAPI details', async () => {
    const res = await create({ vendor: 'SENTINELONE', credentials: { base_url: 'https://x', token: 't' } });
    expect(res.status).toBe(422);
    const detail = (res.body as { detail: Json[] }).detail;
    expect(detail).toContainEqual(expect.objectContaining({ loc: ['body', 'credentials', 'api_token'], type: 'missing', msg: 'Field required' }));
    expect(detail).toContainEqual(expect.objectContaining({ loc: ['body', 'credentials', 'token'], type: 'extra_forbidden' }));
    const vendor = await create({ vendor: 'NOPE', credentials: {} });
    expect((vendor.body as { detail: Json[] }).detail[0]).toMatchObject({ loc: ['body', 'vendor'], type: 'enum' });
    const missing = await create({ vendor: 'SEMGREP' });
    expect((missing.body as { detail: Json[] }).detail[0]).toMatchObject({ loc: ['body', 'credentials'], type: 'missing' });
    const broken = await fetch(`${sim.url}${base()}`, { method: 'POST', headers: { 'x-api-key': API_KEY }, body: '{oops' });
    expect(broken.status).toBe(422);
    expect(((await broken.json()) as { detail: Json[] }).detail[0]).toMatchObject({ type: 'json_invalid' });
    expect((await leenFetch(sim, 'POST', `/provisioning/organizations/${UNKNOWN}/connections`, { vendor: 'SEMGREP', credentials: { api_token: 't' } })).status).toBe(404);
  });

  it('pages connections with limit/offset and {items, total}', async () => {
    const o = await createOrg(sim, 'Paging');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(String(((await leenFetch(sim, 'POST', `/provisioning/organizations/${o}/connections`, { vendor: 'GITHUB', credentials: { api_token: 't' } })).body as Json)['id']));
    }
    const path = `/provisioning/organizations/${o}/connections`;
    const page = await leenFetch(sim, 'GET', `${path}?limit=2&offset=3`);
    expect((page.body as { items: Json[]; total: number }).items.map((c) => c['id'])).toEqual(ids.slice(3));
    expect((page.body as { total: number }).total).toBe(5);
    expect(((await leenFetch(sim, 'GET', path)).body as { items: unknown[] }).items).toHaveLength(5);
    expect((await leenFetch(sim, 'GET', `${path}?offset=9`)).body).toEqual({ items: [], total: 5 });
    for (const q of ['limit=0', 'limit=101', 'limit=x', 'offset=-1']) {
      const bad = await leenFetch(sim, 'GET', `${path}?${q}`);
      expect(bad.status, q).toBe(422);
      expect((bad.body as { detail: Json[] }).detail[0]?.['loc']).toEqual(['query', q.split('=')[0]]);
    }
  });

  it('patches identifier/state/credentials, rejects unknown fields, moves updated_at every time', async () => {
    const conn = (await create({ vendor: 'SEMGREP', identifier: 'x', credentials: { api_token: 't' } })).body as Json;
    const path = `${base()}/${String(conn['id'])}`;
    const a = (await leenFetch(sim, 'PATCH', path, { state: 'PAUSED' })).body as Json;
    expect(a).toMatchObject({ state: 'PAUSED', is_active: false, identifier: 'x' });
    const b = (await leenFetch(sim, 'PATCH', path, { identifier: null })).body as Json;
    expect(b['identifier']).toBeNull();
    const c = (await leenFetch(sim, 'PATCH', path, {})).body as Json;
    const stamps = [conn, a, b, c].map((x) => Date.parse(String(x['updated_at'])));
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThan(stamps[i - 1] ?? 0);
    expect((await leenFetch(sim, 'PATCH', path, { vendor: 'GITHUB' })).status).toBe(422);
    const wrongShape = await leenFetch(sim, 'PATCH', path, { credentials: { client_id: 'c' } });
    expect(wrongShape.status).toBe(422);
    expect((wrongShape.body as { detail: Json[] }).detail.map((d) => d['loc'])).toContainEqual(['body', 'credentials', 'api_token']);
    expect((await leenFetch(sim, 'PATCH', path, { credentials: { api_token: 'new' } })).status).toBe(200);
    expect(sim.state.connections.find((x) => x.id === conn['id'])?.credentials).toEqual({ api_token: 'new' });
    expect((await leenFetch(sim, 'PATCH', path, { state: 'GONE' })).status).toBe(422);
  });

  it('deletes softly: 200 with the DELETED object, then 404 and unlisted', async () => {
    const conn = (await create({ vendor: 'SEMGREP', credentials: { api_token: 't' } })).body as Json;
    const path = `${base()}/${String(conn['id'])}`;
    const del = await leenFetch(sim, 'DELETE', path);
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ id: conn['id'], state: 'DELETED', is_active: false });
    expect(await leenFetch(sim, 'GET', path)).toEqual({ status: 404, body: { detail: 'Connection not found' } });
    expect(((await leenFetch(sim, 'GET', base())).body as { items: Json[] }).items.map((c) => c['id'])).not.toContain(conn['id']);
    expect((await leenFetch(sim, 'GET', `${path}/test`)).status).toBe(404);
  });

  it('tests credentials and lists jobs', async () => {
    const conn = (await create({ vendor: 'SEMGREP', credentials: { api_token: 't' } })).body as Json;
    const path = `${base()}/${String(conn['id'])}`;
    expect(await leenFetch(sim, 'GET', `${path}/test`)).toEqual({ status: 200, body: { is_valid: true, message: 'Credentials are valid' } });
    expect(await leenFetch(sim, 'GET', `${path}/jobs`)).toEqual({ status: 200, body: { items: [], total: 0 } });
  });

  it('connections in another organization are not found', async () => {
    const conn = (await create({ vendor: 'SEMGREP', credentials: { api_token: 't' } })).body as Json;
    const other = await createOrg(sim, 'Other');
    expect(await leenFetch(sim, 'GET', `/provisioning/organizations/${other}/connections/${String(conn['id'])}`))
      .toEqual({ status: 404, body: { detail: 'Connection not found' } });
  });

  it('answers 404 {detail: "Not Found"} for unknown routes', async () => {
    expect(await leenFetch(sim, 'GET', '/nope')).toEqual({ status: 404, body: { detail: 'Not Found' } });
  });
});

describe('Leen simulator state and demo seed', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'leen-sim-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('persists its state to a stateFile and restores it', async () => {
    const stateFile = join(dir, 'state.json');
    const first = await startLeenSimulator({ apiKey: API_KEY, stateFile });
    const org = await createOrg(first, 'Persisted');
    const conn = (await leenFetch(first, 'POST', `/provisioning/organizations/${org}/connections`, { vendor: 'SEMGREP', credentials: { api_token: 'kept' } })).body as Json;
    await first.close();
    const onDisk = JSON.parse(readFileSync(stateFile, 'utf8')) as LeenSimState;
    expect(onDisk.connections[0]?.credentials).toEqual({ api_token: 'kept' });

    const second = await startLeenSimulator({ apiKey: API_KEY, stateFile });
    try {
      const got = await leenFetch(second, 'GET', `/provisioning/organizations/${org}/connections/${String(conn['id'])}`);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ id: conn['id'], vendor: 'SEMGREP', organization_name: 'Persisted' });
      expect(second.state.connections[0]?.credentials).toEqual({ api_token: 'kept' });
    } finally {
      await second.close();
    }
  });

  it('seeds the demo organization once, and keeps restored data', async () => {
    const stateFile = join(dir, 'demo.json');
    const first = await startLeenSimulator({ apiKey: API_KEY, stateFile, seedDemo: true });
    const demo = demoOrganizationId(first.state);
    expect(demo).toBeDefined();
    const list = await leenFetch(first, 'GET', `/provisioning/organizations/${String(demo)}/connections`);
    const items = (list.body as { items: Json[] }).items;
    expect(items.map((c) => [c['vendor'], c['state']])).toEqual(DEMO_CONNECTIONS.map((c) => [c.vendor, c.state]));
    expect(items.find((c) => c['vendor'] === 'SNYK')?.['oauth2_authorize_url']).toEqual(expect.stringContaining('/oauth2/authorize?connection_id='));
    for (const c of items) {
      const jobs = await leenFetch(first, 'GET', `/provisioning/organizations/${String(demo)}/connections/${String(c['id'])}/jobs`);
      expect((jobs.body as { total: number }).total).toBeGreaterThan(0);
    }
    await leenFetch(first, 'DELETE', `/provisioning/organizations/${String(demo)}/connections/${String(items[0]?.['id'])}`);
    await first.close();

    const second = await startLeenSimulator({ apiKey: API_KEY, stateFile, seedDemo: true });
    try {
      expect(second.state.organizations).toHaveLength(1);
      expect(demoOrganizationId(second.state)).toBe(demo);
      const again = await leenFetch(second, 'GET', `/provisioning/organizations/${String(demo)}/connections`);
      expect((again.body as { total: number }).total).toBe(DEMO_CONNECTIONS.length - 1);
    } finally {
      await second.close();
    }
  });

  it('definition.startSimulator gives the provider config and the demo organization', async () => {
    const setup = await leenProvider.startSimulator({ port: 0 });
    try {
      expect(setup.providerConfig).toEqual({ apiKey: 'leen-sim-key', baseUrl: setup.url });
      expect(setup.url).toBe(`http://127.0.0.1:${setup.port}`);
      const res = await leenFetch(setup, 'GET', `/provisioning/organizations/${setup.demoExternalOrgId}`, undefined, 'leen-sim-key');
      expect(res.body).toMatchObject({ name: 'Demo', identifier: 'demo' });
    } finally {
      await setup.close();
    }
  });
});
