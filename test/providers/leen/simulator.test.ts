import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leenProvider } from '../../../src/providers/leen/definition.js';
import { DEMO_CONNECTIONS, DEMO_ORG } from '../../../src/providers/leen/fixtures.js';
import { startLeenSimulator, type LeenSimulator } from '../../../src/providers/leen/simulator/index.js';
import { demoOrganizationId } from '../../../src/providers/leen/simulator/state.js';
import { fingerprint } from '../../../src/simulator/fingerprint.js';
import { API_KEY, createOrg, leenFetch } from './harness.js';

type Json = Record<string, unknown>;
const CONNECTION_FIELDS = [
  'created_at',
  'health',
  'id',
  'identifier',
  'is_active',
  'oauth2_authorize_url',
  'organization_id',
  'refresh_interval_secs',
  'state',
  'timeout_secs',
  'updated_at',
  'vendor',
];
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('Leen simulator over plain HTTP', () => {
  let sim: LeenSimulator;
  let org: string;
  const base = () => `/provisioning/organizations/${org}/connections`;
  const create = async (body: unknown) => leenFetch(sim, 'POST', base(), body);

  beforeAll(async () => {
    sim = await startLeenSimulator({ apiKey: API_KEY });
    org = await createOrg(sim, 'Plain');
  });
  afterAll(() => sim.close());

  it('answers 401 without or with a wrong X-API-KEY on every provisioning route', async () => {
    for (const [method, path] of [
      ['GET', '/provisioning/organizations'],
      ['POST', base()],
      ['GET', `${base()}/${UNKNOWN}`],
      ['DELETE', `${base()}/${UNKNOWN}`],
    ] as const) {
      expect(await leenFetch(sim, method, path, undefined, null)).toEqual({
        status: 401,
        body: { detail: 'Invalid API key' },
      });
      expect(await leenFetch(sim, method, path, undefined, 'nope')).toEqual({
        status: 401,
        body: { detail: 'Invalid API key' },
      });
    }
  });

  it('creates, lists and reads organizations', async () => {
    const res = await leenFetch(sim, 'POST', '/provisioning/organizations', {
      name: 'Org A',
      identifier: 'org-a',
    });
    expect(res.status).toBe(200);
    const created = res.body as Json;
    expect(Object.keys(created).sort()).toEqual(['created_at', 'id', 'identifier', 'name']);
    expect(await leenFetch(sim, 'GET', `/provisioning/organizations/${String(created['id'])}`)).toEqual({
      status: 200,
      body: created,
    });
    const list = await leenFetch(sim, 'GET', '/provisioning/organizations?limit=1&offset=1');
    expect(list.body).toEqual({ items: [created], total: 2 });
    expect(await leenFetch(sim, 'GET', `/provisioning/organizations/${UNKNOWN}`)).toEqual({
      status: 404,
      body: { detail: 'Organization not found' },
    });
    // The Create Organization page is not public: unknown keys are ignored (FastAPI's default), a missing name is not.
    expect(
      (await leenFetch(sim, 'POST', '/provisioning/organizations', { name: 'x', extra: 1 })).status,
    ).toBe(200);
    expect((await leenFetch(sim, 'POST', '/provisioning/organizations', { identifier: 'x' })).status).toBe(
      422,
    );
  });

  it("answers 422 in FastAPI's shape for non-UUID path ids", async () => {
    const res = await leenFetch(sim, 'GET', `/provisioning/organizations/not-a-uuid/connections/also-not`);
    expect(res.status).toBe(422);
    const detail = (res.body as { detail: Json[] }).detail;
    expect(detail.map((d) => d['loc'])).toEqual([
      ['path', 'organization_id'],
      ['path', 'connection_id'],
    ]);
    for (const d of detail)
      expect(d).toMatchObject({
        type: 'uuid_parsing',
        msg: expect.stringMatching(/^Input should be a valid UUID/),
      });
  });

  it('creates a connection: 200, exact fields, no credentials; GET adds organization_name', async () => {
    const res = await create({
      vendor: 'TENABLE',
      identifier: 'prod',
      credentials: { client_key: 'a', secret_key: 's' },
    });
    expect(res.status).toBe(200);
    const conn = res.body as Json;
    expect(Object.keys(conn).sort()).toEqual(CONNECTION_FIELDS);
    expect(conn).toMatchObject({
      vendor: 'TENABLE',
      identifier: 'prod',
      state: 'ACTIVE',
      is_active: true,
      organization_id: org,
      oauth2_authorize_url: null,
      health: {
        name: 'HEALTHY',
        status: 'HEALTHY',
        resolution_owner: 'LEEN',
        description: 'Connection is healthy',
        details: null,
      },
    });
    const got = await leenFetch(sim, 'GET', `${base()}/${String(conn['id'])}`);
    expect(got.body).toEqual({ ...conn, organization_name: 'Plain' });
    expect(JSON.stringify(got.body)).not.toContain('"s"');
  });

  it('validates create bodies against the shapes Leen publishes, with FastAPI details; other keys are ignored', async () => {
    const res = await create({
      vendor: 'SENTINELONE_VMS',
      credentials: { base_url: 'https://x', token: 't' },
    });
    expect(res.status).toBe(422);
    const detail = (res.body as { detail: Json[] }).detail;
    expect(detail).toEqual([
      expect.objectContaining({
        loc: ['body', 'credentials', 'api_token'],
        type: 'missing',
        msg: 'Field required',
      }),
    ]);
    const aws = await create({
      vendor: 'AWS_SECURITYHUB',
      credentials: { aws: { type: 'direct_access', aws_access_key_id: 'id' } },
    });
    expect((aws.body as { detail: Json[] }).detail).toEqual([
      expect.objectContaining({
        loc: ['body', 'credentials', 'aws', 'aws_secret_access_key'],
        type: 'missing',
      }),
    ]);
    expect(
      (
        await create({
          vendor: 'AWS_SECURITYHUB',
          credentials: { aws: { type: 'role_chaining', aws_role_arn: 'arn' } },
        })
      ).status,
    ).toBe(200);
    const vendor = await create({ vendor: 'NOPE', credentials: {} });
    expect((vendor.body as { detail: Json[] }).detail[0]).toMatchObject({
      loc: ['body', 'vendor'],
      type: 'enum',
    });
    // Credentials are required, except for OAuth2 vendors; a vendor without a published shape takes any object.
    const missing = await create({ vendor: 'SEMGREP' });
    expect((missing.body as { detail: Json[] }).detail[0]).toMatchObject({
      loc: ['body', 'credentials'],
      type: 'missing',
    });
    expect((await create({ vendor: 'SEMGREP', credentials: { whatever: 'x' } })).status).toBe(200);
    expect((await create({ vendor: 'JIRA' })).status).toBe(200);
    const options = await create({
      vendor: 'JIRA',
      options: { priority_mapping: { Highest: 'SEVERE' }, init_load_timestamp: 'yesterday', custom: 1 },
    });
    expect((options.body as { detail: Json[] }).detail.map((d) => d['loc'])).toEqual([
      ['body', 'options', 'init_load_timestamp'],
      ['body', 'options', 'priority_mapping', 'Highest'],
    ]);
    const broken = await fetch(`${sim.url}${base()}`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY },
      body: '{oops',
    });
    expect(broken.status).toBe(422);
    expect(((await broken.json()) as { detail: Json[] }).detail[0]).toMatchObject({ type: 'json_invalid' });
    expect(
      (
        await leenFetch(sim, 'POST', `/provisioning/organizations/${UNKNOWN}/connections`, {
          vendor: 'SEMGREP',
          credentials: { api_token: 't' },
        })
      ).status,
    ).toBe(404);
  });

  it('pages connections with limit/offset and {items, total}', async () => {
    const o = await createOrg(sim, 'Paging');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        String(
          (
            (
              await leenFetch(sim, 'POST', `/provisioning/organizations/${o}/connections`, {
                vendor: 'GITHUB',
                credentials: { token: 't' },
              })
            ).body as Json
          )['id'],
        ),
      );
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
    try {
      sim.behaviour.listTotal = 'absent';
      expect((await leenFetch(sim, 'GET', `${path}?offset=4`)).body).toEqual({
        items: [expect.objectContaining({ id: ids[4] })],
      });
      sim.behaviour.listTotal = 'null';
      expect((await leenFetch(sim, 'GET', `${path}?offset=9`)).body).toEqual({ items: [], total: null });
    } finally {
      sim.behaviour.listTotal = 'number';
    }
  });

  it('patches identifier/state/credentials, rejects unknown fields, moves updated_at every time', async () => {
    const conn = (
      await create({ vendor: 'QUALYS', identifier: 'x', credentials: { username: 'u', password: 'p' } })
    ).body as Json;
    const path = `${base()}/${String(conn['id'])}`;
    const a = (await leenFetch(sim, 'PATCH', path, { state: 'PAUSED' })).body as Json;
    expect(a).toMatchObject({ state: 'PAUSED', is_active: false, identifier: 'x' });
    const b = (await leenFetch(sim, 'PATCH', path, { identifier: null, state: 'PAUSED' })).body as Json;
    expect(b).toMatchObject({ identifier: null, state: 'PAUSED' });
    const c = (await leenFetch(sim, 'PATCH', path, { state: 'PAUSED' })).body as Json;
    const stamps = [conn, a, b, c].map((x) => Date.parse(String(x['updated_at'])));
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThan(stamps[i - 1] ?? 0);
    expect((await leenFetch(sim, 'PATCH', path, { vendor: 'GITHUB' })).status).toBe(422);
    const wrongShape = await leenFetch(sim, 'PATCH', path, {
      credentials: { username: 'u' },
      state: 'PAUSED',
    });
    expect(wrongShape.status).toBe(422);
    expect((wrongShape.body as { detail: Json[] }).detail.map((d) => d['loc'])).toEqual([
      ['body', 'credentials', 'password'],
    ]);
    const fresh = { username: 'u2', password: 'p2' };
    expect((await leenFetch(sim, 'PATCH', path, { credentials: fresh, state: 'PAUSED' })).status).toBe(200);
    expect(sim.state.connections.find((x) => x.id === conn['id'])?.credentials_fingerprint).toBe(
      fingerprint(fresh),
    );
    expect((await leenFetch(sim, 'PATCH', path, { state: 'GONE' })).status).toBe(422);
  });

  it('a PATCH without state resets it to ACTIVE (one documented revision) unless told to leave it', async () => {
    const conn = (await create({ vendor: 'TENABLE', credentials: { client_key: 'c', secret_key: 's' } }))
      .body as Json;
    const path = `${base()}/${String(conn['id'])}`;
    expect(((await leenFetch(sim, 'PATCH', path, { state: 'PAUSED' })).body as Json)['state']).toBe('PAUSED');
    expect(((await leenFetch(sim, 'PATCH', path, { identifier: 'renamed' })).body as Json)['state']).toBe(
      'ACTIVE',
    );
    const changed = await fetch(`${sim.url}/__sim/behaviour`, {
      method: 'PUT',
      body: JSON.stringify({ omittedPatchState: 'unchanged' }),
    });
    try {
      expect(changed.status).toBe(200);
      await leenFetch(sim, 'PATCH', path, { state: 'PAUSED' });
      expect(((await leenFetch(sim, 'PATCH', path, { identifier: 'again' })).body as Json)['state']).toBe(
        'PAUSED',
      );
    } finally {
      sim.behaviour.omittedPatchState = 'ACTIVE';
    }
    expect(
      (
        await fetch(`${sim.url}/__sim/behaviour`, {
          method: 'PUT',
          body: JSON.stringify({ omittedPatchState: 'maybe' }),
        })
      ).status,
    ).toBe(400);
  });

  it('OAuth2 vendors start PENDING with an authorize URL; SNYK with an API key starts ACTIVE', async () => {
    for (const vendor of ['MS_DEFENDER_VMS', 'MS_DEFENDER_ENDPOINT', 'MS_ENTRA', 'JIRA', 'SNYK']) {
      const conn = (await create({ vendor })).body as Json;
      expect(conn, vendor).toMatchObject({
        state: 'PENDING',
        oauth2_authorize_url: expect.stringContaining('/oauth2/authorize?connection_id='),
      });
    }
    const region = (await create({ vendor: 'SNYK', credentials: { base_url: 'https://app.eu.snyk.io' } }))
      .body as Json;
    expect(region['state']).toBe('PENDING');
    const keyed = (await create({ vendor: 'SNYK', credentials: { token: 'k' } })).body as Json;
    expect(keyed).toMatchObject({ state: 'ACTIVE', oauth2_authorize_url: null });
  });

  it('deletes softly: 200 with the DELETED object, then 404 and unlisted', async () => {
    const conn = (await create({ vendor: 'SEMGREP', credentials: { token: 't' } })).body as Json;
    const path = `${base()}/${String(conn['id'])}`;
    const del = await leenFetch(sim, 'DELETE', path);
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ id: conn['id'], state: 'DELETED', is_active: false });
    expect(await leenFetch(sim, 'GET', path)).toEqual({
      status: 404,
      body: { detail: 'Connection not found' },
    });
    expect(
      ((await leenFetch(sim, 'GET', base())).body as { items: Json[] }).items.map((c) => c['id']),
    ).not.toContain(conn['id']);
    expect((await leenFetch(sim, 'GET', `${path}/test`)).status).toBe(404);
  });

  it('tests credentials and lists jobs', async () => {
    const conn = (await create({ vendor: 'SEMGREP', credentials: { token: 't' } })).body as Json;
    const path = `${base()}/${String(conn['id'])}`;
    expect(await leenFetch(sim, 'GET', `${path}/test`)).toEqual({
      status: 200,
      body: { is_valid: true, message: 'Credentials are valid' },
    });
    const bad = (await create({ vendor: 'SEMGREP', credentials: { token: 'an-invalid-token' } }))
      .body as Json;
    expect((await leenFetch(sim, 'GET', `${base()}/${String(bad['id'])}/test`)).body).toEqual({
      is_valid: false,
      message: 'SEMGREP rejected the credentials (401 Unauthorized)',
    });
    expect(await leenFetch(sim, 'GET', `${path}/jobs`)).toEqual({
      status: 200,
      body: { items: [], total: 0 },
    });
  });

  it('connections in another organization are not found', async () => {
    const conn = (await create({ vendor: 'SEMGREP', credentials: { token: 't' } })).body as Json;
    const other = await createOrg(sim, 'Other');
    expect(
      await leenFetch(sim, 'GET', `/provisioning/organizations/${other}/connections/${String(conn['id'])}`),
    ).toEqual({ status: 404, body: { detail: 'Connection not found' } });
  });

  it('answers 404 {detail: "Not Found"} for unknown routes', async () => {
    expect(await leenFetch(sim, 'GET', '/nope')).toEqual({ status: 404, body: { detail: 'Not Found' } });
  });
});

describe('Leen simulator state and demo seed', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'leen-sim-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('persists its state to a stateFile and restores it, with a fingerprint instead of any credential', async () => {
    const stateFile = join(dir, 'state.json');
    const CANARY = 'CANARY-leen-state-4f1e9b';
    const first = await startLeenSimulator({ apiKey: API_KEY, stateFile });
    const org = await createOrg(first, 'Persisted');
    const path = `/provisioning/organizations/${org}/connections`;
    const conn = (
      await leenFetch(first, 'POST', path, {
        vendor: 'TENABLE',
        credentials: { client_key: CANARY, secret_key: `${CANARY}-s` },
      })
    ).body as Json;
    await leenFetch(first, 'PATCH', `${path}/${String(conn['id'])}`, {
      credentials: { client_key: `${CANARY}-2`, secret_key: `${CANARY}-3` },
      state: 'ACTIVE',
    });
    await first.close();
    const text = readFileSync(stateFile, 'utf8');
    expect(text).not.toContain(CANARY);
    expect(text).toContain(fingerprint({ client_key: `${CANARY}-2`, secret_key: `${CANARY}-3` }));

    const second = await startLeenSimulator({ apiKey: API_KEY, stateFile });
    try {
      const got = await leenFetch(second, 'GET', `${path}/${String(conn['id'])}`);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ id: conn['id'], vendor: 'TENABLE', organization_name: 'Persisted' });
    } finally {
      await second.close();
    }
  });

  it('rewrites a state file of an older simulator that held credentials in the clear', async () => {
    const stateFile = join(dir, 'old.json');
    const CANARY = 'CANARY-leen-old-state-77aa';
    const first = await startLeenSimulator({ apiKey: API_KEY, stateFile });
    const org = await createOrg(first, 'Old');
    await leenFetch(first, 'POST', `/provisioning/organizations/${org}/connections`, {
      vendor: 'SEMGREP',
      credentials: { token: 'x' },
    });
    await first.close();
    const old = JSON.parse(readFileSync(stateFile, 'utf8')) as {
      connections: Array<Record<string, unknown>>;
    };
    for (const c of old.connections) {
      delete c['credentials_fingerprint'];
      delete c['auth'];
      c['credentials'] = { token: CANARY };
    }
    writeFileSync(stateFile, JSON.stringify(old));
    const second = await startLeenSimulator({ apiKey: API_KEY, stateFile });
    await second.close();
    const text = readFileSync(stateFile, 'utf8');
    expect(text).not.toContain(CANARY);
    expect(text).toContain(fingerprint({ token: CANARY }));
  });

  it('seeds the demo organization once, and keeps restored data', async () => {
    const stateFile = join(dir, 'demo.json');
    const first = await startLeenSimulator({ apiKey: API_KEY, stateFile, seedDemo: true });
    const demo = demoOrganizationId(first.state);
    expect(demo).toBe(DEMO_ORG.id);
    const list = await leenFetch(first, 'GET', `/provisioning/organizations/${String(demo)}/connections`);
    const items = (list.body as { items: Json[] }).items;
    expect(items.map((c) => [c['vendor'], c['state']])).toEqual(
      DEMO_CONNECTIONS.map((c) => [c.vendor, c.state]),
    );
    expect(items.find((c) => c['vendor'] === 'SNYK')?.['oauth2_authorize_url']).toEqual(
      expect.stringContaining('/oauth2/authorize?connection_id='),
    );
    expect(items.map((c) => c['id'])).toEqual(DEMO_CONNECTIONS.map((c) => c.id));
    const jobs = await leenFetch(
      first,
      'GET',
      `/provisioning/organizations/${String(demo)}/connections/${String(items[0]?.['id'])}/jobs`,
    );
    expect((jobs.body as { total: number }).total).toBeGreaterThan(0);
    await leenFetch(
      first,
      'DELETE',
      `/provisioning/organizations/${String(demo)}/connections/${String(items[0]?.['id'])}`,
    );
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
      expect(setup.providerConfig).toEqual({
        apiKey: 'leen-sim-key',
        baseUrl: setup.url,
        onrampUrl: `${setup.url}/onramp`,
      });
      expect(setup.url).toBe(`http://127.0.0.1:${setup.port}`);
      const res = await leenFetch(
        setup,
        'GET',
        `/provisioning/organizations/${setup.demoExternalOrgId}`,
        undefined,
        'leen-sim-key',
      );
      expect(res.body).toMatchObject({ name: 'Demo', identifier: 'demo' });
    } finally {
      await setup.close();
    }
    // No state file: a fresh start seeds the demo organization with the same id.
    const again = await leenProvider.startSimulator({ port: 0 });
    await again.close();
    expect(again.demoExternalOrgId).toBe(setup.demoExternalOrgId);
    expect(setup.demoExternalOrgId).toBe(DEMO_ORG.id);
  });
});
