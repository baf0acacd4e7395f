import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectionRef } from '../../../src/core/adapter.js';
import type { Job, UpstreamConnection } from '../../../src/core/connection.js';
import { GatewayError } from '../../../src/core/errors.js';
import { secret } from '../../../src/core/secret.js';
import { HEALTH_ROWS, LEEN_HEALTH_NAMES } from '../../../src/providers/leen/catalog.js';
import { addJob, setConnectionHealth } from '../../../src/providers/leen/simulator/state.js';
import { leenProvider } from '../../../src/providers/leen/definition.js';
import { fingerprint } from '../../../src/simulator/fingerprint.js';
import { API_KEY, createOrg, ctx, refOf, startHarness, type LeenHarness } from './harness.js';
import { configured } from '../../helpers/providers.js';
import { captureLogs } from '../../helpers/logs.js';

async function failure(p: Promise<unknown>): Promise<GatewayError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(GatewayError);
  return e as GatewayError;
}

describe('Leen adapter against the simulator', () => {
  let h: LeenHarness;
  let orgId: string;
  const tenable = () => secret({ client_key: 'ck-123456', secret_key: 'sk-123456' });

  beforeAll(async () => {
    h = await startHarness();
    orgId = await createOrg(h.sim, 'Acme');
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.sim.kit.clearFaults();
    h.sim.kit.resetRequests();
  });

  async function newTenable(
    name: string | null = 'tenable-prod',
  ): Promise<{ conn: UpstreamConnection; ref: ConnectionRef }> {
    const conn = await h.adapter.create(
      ctx,
      orgId,
      name === null ? { kind: 'TENABLE' } : { kind: 'TENABLE', name },
      tenable(),
    );
    return { conn, ref: refOf(orgId, conn) };
  }

  describe('create and get', () => {
    it('creates an ACTIVE connection and maps every field', async () => {
      const { conn, ref } = await newTenable();
      expect(conn).toMatchObject({
        kind: 'TENABLE',
        name: 'tenable-prod',
        status: 'active',
        health: { status: 'healthy', description: 'Connection is healthy', resolution_owner: 'LEEN' },
        credentials: { configured: true, type: 'api_key', updated_at: null },
        settings: {},
        details: {
          is_active: true,
          refresh_interval_secs: 14400,
          timeout_secs: 1800,
          oauth2_authorize_url: null,
          health_details: null,
        },
      });
      expect(conn.external_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(conn.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      expect(conn.updated_at).toBe(conn.created_at);
      const fetched = await h.adapter.get(ctx, ref);
      expect(fetched).toEqual(conn);
      // Create sent Leen's spelling, with the X-API-KEY header.
      const post = h.sim.kit.requests.find((r) => r.method === 'POST');
      expect(JSON.parse(post?.body ?? '{}')).toEqual({
        vendor: 'TENABLE',
        identifier: 'tenable-prod',
        credentials: { client_key: 'ck-123456', secret_key: 'sk-123456' },
      });
      expect(post?.headers['x-api-key']).toBe('test-leen-api-key-5b1d');
      expect(post?.headers['x-request-id']).toBe('req-leen-test');
      expect(post?.path).toBe(`/provisioning/organizations/${orgId}/connections`);
    });

    it('creates without a name (identifier omitted) and with a null name', async () => {
      const { conn } = await newTenable(null);
      expect(conn.name).toBeNull();
      expect(JSON.parse(h.sim.kit.requests.at(-1)?.body ?? '{}')).not.toHaveProperty('identifier');
      const c2 = await h.adapter.create(ctx, orgId, { kind: 'TENABLE', name: null }, tenable());
      expect(c2.name).toBeNull();
    });

    it('creates an OAuth2 vendor PENDING with an authorize URL that honours the redirect URLs', async () => {
      const urls = { success: 'https://app.example/oauth/ok', error: 'https://app.example/oauth/err' };
      const conn = await h.adapter.create(
        ctx,
        orgId,
        { kind: 'SNYK', name: 'snyk', options: { oauth2_redirect_urls: urls } },
        undefined,
      );
      expect(conn.status).toBe('pending');
      expect(conn.credentials).toEqual({ configured: false, type: 'oauth2', updated_at: null });
      // The simulator reports UNAUTHORIZED before consent; nobody was asked yet, so the gateway says unknown.
      expect(h.sim.state.connections.find((c) => c.id === conn.external_id)?.health.name).toBe(
        'UNAUTHORIZED',
      );
      expect(conn.health).toMatchObject({ status: 'unknown', resolution_owner: 'CUSTOMER' });
      expect(conn.details['is_active']).toBe(false);
      const authorize = conn.details['oauth2_authorize_url'];
      expect(typeof authorize).toBe('string');
      expect(JSON.parse(h.sim.kit.requests.at(-1)?.body ?? '{}')).toMatchObject({
        options: { oauth2_redirect_urls: urls },
      });

      // The end user approves on the consent page: ACTIVE, healthy, redirected to `success`.
      const page = await fetch(authorize as string);
      expect(page.status).toBe(200);
      const res = await fetch(authorize as string, {
        method: 'POST',
        redirect: 'manual',
        body: new URLSearchParams({ decision: 'approve' }),
      });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(urls.success);
      const after = await h.adapter.get(ctx, refOf(orgId, conn));
      expect(after).toMatchObject({
        status: 'active',
        health: { status: 'healthy' },
        details: { is_active: true, oauth2_authorize_url: null },
      });
    });
  });

  describe('status and health mapping', () => {
    it.each([
      ['PENDING', 'pending'],
      ['ACTIVE', 'active'],
      ['PAUSED', 'paused'],
    ] as const)('maps state %s to %s', async (state, status) => {
      const { conn, ref } = await newTenable();
      const stored = h.sim.state.connections.find((c) => c.id === conn.external_id);
      if (!stored) throw new Error('not stored');
      stored.state = state;
      const got = await h.adapter.get(ctx, ref);
      expect(got.status).toBe(status);
      expect(got.details['is_active']).toBe(state === 'ACTIVE');
    });

    it.each(LEEN_HEALTH_NAMES)('maps health %s', async (name) => {
      const { conn, ref } = await newTenable();
      const details = [{ data_export_type: 'alerts', endpoint: '/v1/alerts' }];
      setConnectionHealth(h.sim.state, conn.external_id, name, details);
      const row = HEALTH_ROWS[name];
      const got = await h.adapter.get(ctx, ref);
      expect(got.health).toEqual({
        status: row.status.toLowerCase(),
        description: row.description,
        resolution_owner: row.resolution_owner,
      });
      expect(got.details['health_details']).toEqual(details);
    });
  });

  describe('list', () => {
    let listOrg: string;
    let created: string[];
    beforeAll(async () => {
      listOrg = await createOrg(h.sim, 'Many');
      created = [];
      for (let i = 0; i < 125; i++) {
        const c = await h.adapter.create(ctx, listOrg, { kind: 'JIRA', name: `c${i}` }, undefined);
        created.push(c.external_id);
      }
    });

    async function walk(limit: number): Promise<{ ids: string[]; pages: number[] }> {
      const ids: string[] = [];
      const pages: number[] = [];
      let cursor: string | undefined;
      for (let guard = 0; guard < 1000; guard++) {
        const page = await h.adapter.list(ctx, listOrg, { limit, cursor });
        expect(page.items.length).toBeLessThanOrEqual(limit);
        ids.push(...page.items.map((c) => c.external_id));
        pages.push(page.items.length);
        if (page.nextCursor === null) return { ids, pages };
        cursor = page.nextCursor;
      }
      throw new Error('no end');
    }

    it.each([1, 7, 50, 100, 110, 125, 200])(
      'walks every connection exactly once with limit %i',
      async (limit) => {
        const { ids, pages } = await walk(limit);
        expect(ids).toEqual(created);
        expect(pages.slice(0, -1).every((n) => n === limit)).toBe(true);
      },
    );

    it('fills a page over 100 with several upstream calls of at most 100', async () => {
      h.sim.kit.resetRequests();
      const page = await h.adapter.list(ctx, listOrg, { limit: 110, cursor: undefined });
      expect(page.items).toHaveLength(110);
      expect(page.nextCursor).not.toBeNull();
      expect(h.sim.kit.requests.map((r) => r.query)).toEqual(['?limit=100&offset=0', '?limit=10&offset=100']);
    });

    it('ends with a null cursor when the last page is exactly full', async () => {
      const org = await createOrg(h.sim, 'Six');
      for (let i = 0; i < 6; i++) await h.adapter.create(ctx, org, { kind: 'JIRA' }, undefined);
      const p1 = await h.adapter.list(ctx, org, { limit: 3, cursor: undefined });
      expect(p1.items).toHaveLength(3);
      const p2 = await h.adapter.list(ctx, org, { limit: 3, cursor: p1.nextCursor ?? undefined });
      expect(p2.items).toHaveLength(3);
      expect(p2.nextCursor).toBeNull();
      const empty = await h.adapter.list(ctx, await createOrg(h.sim, 'Empty'), {
        limit: 10,
        cursor: undefined,
      });
      expect(empty).toEqual({ items: [], nextCursor: null });
    });

    it.each(['abc', '-1', '1.5', '', '01', '1e3'])('rejects the malformed cursor %j', async (cursor) => {
      const err = await failure(h.adapter.list(ctx, listOrg, { limit: 10, cursor }));
      expect(err.code).toBe('validation_failed');
      expect(err.errors?.[0]?.pointer).toBe('/cursor');
    });

    it('does not list deleted connections', async () => {
      const org = await createOrg(h.sim, 'Deleting');
      const a = await h.adapter.create(ctx, org, { kind: 'JIRA' }, undefined);
      const b = await h.adapter.create(ctx, org, { kind: 'JIRA' }, undefined);
      await h.adapter.delete(ctx, refOf(org, a));
      const page = await h.adapter.list(ctx, org, { limit: 10, cursor: undefined });
      expect(page.items.map((c) => c.external_id)).toEqual([b.external_id]);
    });
  });

  describe('patch', () => {
    it('renames, clears the name, and moves updated_at every time', async () => {
      const { conn, ref } = await newTenable();
      const renamed = await h.adapter.patch(ctx, ref, { name: 'renamed' });
      expect(renamed.name).toBe('renamed');
      expect(JSON.parse(h.sim.kit.requests.at(-1)?.body ?? '{}')).toEqual({
        identifier: 'renamed',
        state: 'ACTIVE',
      });
      expect(Date.parse(renamed.updated_at ?? '')).toBeGreaterThan(Date.parse(conn.updated_at ?? ''));
      const cleared = await h.adapter.patch(ctx, ref, { name: null });
      expect(cleared.name).toBeNull();
      expect(JSON.parse(h.sim.kit.requests.at(-1)?.body ?? '{}')).toEqual({
        identifier: null,
        state: 'ACTIVE',
      });
      expect(Date.parse(cleared.updated_at ?? '')).toBeGreaterThan(Date.parse(renamed.updated_at ?? ''));
      expect(cleared.created_at).toBe(conn.created_at);
    });

    it('pauses and resumes', async () => {
      const { ref } = await newTenable();
      const paused = await h.adapter.patch(ctx, ref, { status: 'paused' });
      expect(paused.status).toBe('paused');
      expect(paused.details['is_active']).toBe(false);
      expect(JSON.parse(h.sim.kit.requests.at(-1)?.body ?? '{}')).toEqual({ state: 'PAUSED' });
      const active = await h.adapter.patch(ctx, ref, { status: 'active' });
      expect(active.status).toBe('active');
      expect(active.details['is_active']).toBe(true);
      expect(JSON.parse(h.sim.kit.requests.at(-1)?.body ?? '{}')).toEqual({ state: 'ACTIVE' });
    });

    it('replaces credentials, sending them with the current state', async () => {
      const { conn, ref } = await newTenable();
      const fresh = { client_key: 'ck-new', secret_key: 'sk-new' };
      const updated = await h.adapter.patch(ctx, ref, { credentials: secret(fresh) });
      expect(updated.credentials).toEqual({ configured: true, type: 'api_key', updated_at: null });
      expect(h.sim.state.connections.find((c) => c.id === conn.external_id)?.credentials_fingerprint).toBe(
        fingerprint(fresh),
      );
      expect(JSON.parse(h.sim.kit.requests.at(-1)?.body ?? '{}')).toEqual({
        credentials: fresh,
        state: 'ACTIVE',
      });
    });

    it('sends several fields in one PATCH', async () => {
      const { ref } = await newTenable();
      const got = await h.adapter.patch(ctx, ref, { name: 'both', status: 'paused' });
      expect(got).toMatchObject({ name: 'both', status: 'paused' });
      expect(h.sim.kit.count('PATCH', /connections/)).toBe(1);
    });

    it('reads instead of writing an empty change', async () => {
      const { conn, ref } = await newTenable();
      h.sim.kit.resetRequests();
      expect(await h.adapter.patch(ctx, ref, {})).toEqual(conn);
      expect(h.sim.kit.count('PATCH', /./)).toBe(0);
    });
  });

  describe('delete, test, jobs', () => {
    it('deletes: Leen answers 200 with the DELETED object, then 404', async () => {
      const { conn, ref } = await newTenable();
      await expect(h.adapter.delete(ctx, ref)).resolves.toBeUndefined();
      expect(h.sim.state.connections.find((c) => c.id === conn.external_id)?.state).toBe('DELETED');
      expect((await failure(h.adapter.get(ctx, ref))).code).toBe('not_found');
      expect((await failure(h.adapter.delete(ctx, ref))).code).toBe('not_found');
    });

    it('tests credentials', async () => {
      const { ref } = await newTenable();
      expect(await h.adapter.test?.(ctx, ref)).toEqual({ ok: true, detail: 'Credentials are valid' });
      const bad = await h.adapter.create(
        ctx,
        orgId,
        { kind: 'TENABLE' },
        secret({ client_key: 'invalid-key', secret_key: 's' }),
      );
      expect(await h.adapter.test?.(ctx, refOf(orgId, bad))).toEqual({
        ok: false,
        detail: 'TENABLE rejected the credentials (401 Unauthorized)',
      });
    });

    it('lists jobs newest first, every job exactly once, mapped', async () => {
      const { conn, ref } = await newTenable();
      const made = [];
      for (let i = 0; i < 5; i++) {
        made.push(
          addJob(h.sim.state, conn.external_id, {
            status: i === 3 ? 'FAILED' : 'SUCCEEDED',
            data_export_type: i % 2 ? 'alerts' : 'vulnerabilities',
            started_at: `2024-01-0${i + 1}T00:00:00Z`,
            finished_at: `2024-01-0${i + 1}T00:10:00Z`,
            error: i === 3 ? 'Vendor returned 500' : null,
          }),
        );
      }
      const jobs: Job[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await h.adapter.jobs!(ctx, ref, { limit: 2, cursor });
        expect(page.items.length).toBeLessThanOrEqual(2);
        jobs.push(...page.items);
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor !== undefined);
      expect(pages).toBe(3);
      expect(jobs.map((j) => j.id)).toEqual(made.map((j) => j.id).reverse());
      expect(jobs[1]).toEqual({
        id: made[3]?.id,
        status: 'failed',
        type: 'alerts',
        started_at: '2024-01-04T00:00:00Z',
        finished_at: '2024-01-04T00:10:00Z',
        detail: 'Vendor returned 500',
      });
      expect(jobs[0]).toMatchObject({ status: 'succeeded', type: 'vulnerabilities', detail: null });
      const err = await failure(h.adapter.jobs!(ctx, ref, { limit: 2, cursor: 'x' }));
      expect(err.errors?.[0]?.pointer).toBe('/cursor');
    });
  });

  describe('errors', () => {
    const missing = (org: string): ConnectionRef => ({
      connectionId: 'cn_x',
      externalOrgId: org,
      externalId: '00000000-0000-4000-8000-000000000000',
      kind: 'TENABLE',
    });

    it("404 → not_found, with Leen's detail", async () => {
      const err = await failure(h.adapter.get(ctx, missing(orgId)));
      expect(err).toMatchObject({
        code: 'not_found',
        provider: 'leen',
        upstreamStatus: 404,
        message: 'Connection not found',
      });
      const err2 = await failure(
        h.adapter.list(ctx, '00000000-0000-4000-8000-000000000001', { limit: 5, cursor: undefined }),
      );
      expect(err2).toMatchObject({ code: 'not_found', message: 'Organization not found' });
      expect((await failure(h.adapter.patch(ctx, missing(orgId), { name: 'x' }))).code).toBe('not_found');
      expect((await failure(h.adapter.test!(ctx, missing(orgId)))).code).toBe('not_found');
      expect(
        (await failure(h.adapter.jobs!(ctx, missing(orgId), { limit: 5, cursor: undefined }))).code,
      ).toBe('not_found');
    });

    it("422 → upstream_rejected, with Leen's loc and msg", async () => {
      const err = await failure(h.adapter.get(ctx, { ...missing(orgId), externalId: 'not-a-uuid' }));
      expect(err.code).toBe('upstream_rejected');
      expect(err.upstreamStatus).toBe(422);
      expect(err.message).toMatch(
        /^Provider leen refused the request: path\.connection_id: Input should be a valid UUID/,
      );
      expect(err.message).not.toContain('not-a-uuid');
      expect(err.errors).toBeUndefined();

      const err2 = await failure(
        h.adapter.create(ctx, orgId, { kind: 'QUALYS', name: 'q' }, secret({ username: 'u' })),
      );
      expect(err2).toMatchObject({
        code: 'upstream_rejected',
        message: 'Provider leen refused the request: body.credentials.password: Field required',
        errors: [{ pointer: '/credentials/password', message: 'Field required' }],
      });
    });

    it('injected 500 → upstream_error', async () => {
      h.sim.kit.fault({ status: 500, path: '/connections' });
      const err = await failure(h.adapter.list(ctx, orgId, { limit: 5, cursor: undefined }));
      expect(err).toMatchObject({ code: 'upstream_error', upstreamStatus: 500, provider: 'leen' });
      expect(h.sim.kit.count('GET', /connections/)).toBe(1);
    });

    it('retries a safe call through a transient 503 when retries are on', async () => {
      const retrying = await startHarness({ retry: { attempts: 3 } });
      try {
        const org = await createOrg(retrying.sim, 'Retry');
        retrying.sim.kit.fault({ status: 503, path: '/connections', times: 2 });
        const page = await retrying.adapter.list(ctx, org, { limit: 5, cursor: undefined });
        expect(page.items).toEqual([]);
        expect(retrying.sim.kit.count('GET', /connections/)).toBe(3);
      } finally {
        await retrying.close();
      }
    });

    it('a malformed 200 body → upstream_error', async () => {
      // The simulator answers one list with a 200 whose body is not a Leen list.
      h.sim.kit.fault({
        method: 'GET',
        path: '/connections$',
        status: 200,
        body: { items: 'nope' },
        times: 1,
      });
      const { logger, lines } = captureLogs('trace', { raw: true });
      const adapter = leenProvider.createAdapter(
        configured(leenProvider, {
          id: 'leen',
          type: 'leen',
          apiKey: API_KEY,
          baseUrl: h.sim.url,
          retry: { attempts: 1 },
        }),
        { logger },
      );
      const err = await failure(adapter.list(ctx, orgId, { limit: 5, cursor: undefined }));
      expect(err).toMatchObject({
        code: 'upstream_error',
        provider: 'leen',
        message: 'Provider leen returned an unexpected connection list.',
      });
      expect(lines.some((l) => l.includes('unexpected upstream response'))).toBe(true);
    });
  });
});
