import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_ORGANISATION } from '../../src/providers/versori/fixtures.js';
import { versoriProvider } from '../../src/providers/versori/definition.js';
import { startVersoriSimulator, type VersoriSimulator } from '../../src/providers/versori/simulator/index.js';
import { json, startGateway, type TestGateway } from '../helpers/gateway.js';
import { TestReceiver } from '../helpers/receiver.js';

/**
 * Webhooks through real HTTP on loopback (contract §9.1, §9.2), the same suite on SQLite and on
 * PostgreSQL: endpoints and their scoping, Standard Webhooks signatures verified with the official
 * library, retries on a short schedule, Retry-After, 410, redirects, rotation with both signatures,
 * the test ping, the delivery log, retry and delete.
 */

export interface SuiteBackend {
  /** A database for one gateway (undefined: a fresh SQLite file). */
  databaseUrl(): Promise<string | undefined>;
}

type Created = { id: string; secret: string; status: string };
type Delivery = {
  id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  last_attempt: { status_code: number | null; error: string | null } | null;
};

export const SCHEDULE = [30, 60, 90];

export function webhookSuite(backend: SuiteBackend): void {
  let gw: TestGateway;
  let sim: VersoriSimulator;
  const receivers: TestReceiver[] = [];
  let n = 0;

  beforeAll(async () => {
    sim = await startVersoriSimulator({ seedDemo: true });
    const databaseUrl = await backend.databaseUrl();
    gw = await startGateway({
      definitions: [versoriProvider],
      providers: [
        { id: 'versori', type: 'versori', apiKey: sim.apiKey, baseUrl: sim.baseUrl, retry: { attempts: 1 } },
      ],
      ...(databaseUrl ? { databaseUrl } : {}),
      webhooks: {
        allowHttp: true,
        allowPrivateNetworks: true,
        retryScheduleMs: SCHEDULE,
        pollMs: 20,
        timeoutMs: 2_000,
      },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await Promise.all(receivers.map((r) => r.close()));
    await sim?.close();
  });

  async function receiver(): Promise<TestReceiver> {
    const r = await TestReceiver.start();
    receivers.push(r);
    return r;
  }
  /** An endpoint for a fresh organization of its own, so tests do not see each other's events. */
  async function endpointFor(
    r: TestReceiver,
    body: Record<string, unknown> = {},
  ): Promise<{ hook: Created; org: string }> {
    const org = `org-${(n += 1)}`;
    const res = await gw.call('POST', '/v1/webhooks', {
      body: { url: `${r.url}/hook`, organization_ids: [org], ...body },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return { hook: await json<Created>(res), org };
  }
  const createOrg = async (org: string, links: Record<string, string> = {}) =>
    expect((await gw.call('POST', '/v1/organizations', { body: { id: org, name: org, links } })).status).toBe(
      201,
    );
  const deliveries = async (hook: string, query = '') =>
    (await json<{ data: Delivery[] }>(await gw.call('GET', `/v1/webhooks/${hook}/deliveries${query}`))).data;

  describe('endpoints', () => {
    it('create shows the whsec_ secret once; reads never hold it', async () => {
      const r = await receiver();
      const { hook } = await endpointFor(r, { description: 'ops', events: ['organization.*'] });
      expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(hook).toMatchObject({
        status: 'enabled',
        events: ['organization.*'],
        description: 'ops',
        disabled_reason: null,
      });
      const read = await gw.call('GET', `/v1/webhooks/${hook.id}`);
      expect(await read.text()).not.toContain(hook.secret);
      const list = await gw.call('GET', '/v1/webhooks?limit=200');
      expect(await list.text()).not.toContain(hook.secret);
      expect((await gw.call('GET', '/v1/webhooks/wh_nope')).status).toBe(404);
    });

    it('refuses a URL that is not http(s), holds user-info or does not parse, naming /url', async () => {
      for (const url of [
        'ftp://example.com/x',
        'https://user:pw@example.com/x',
        'not a url',
        'https://no-such-host.invalid/x',
      ]) {
        const res = await gw.call('POST', '/v1/webhooks', { body: { url, organization_ids: ['*'] } });
        expect(res.status, url).toBe(400);
        expect(
          (await json<{ errors: Array<{ pointer: string }> }>(res)).errors.map((e) => e.pointer),
        ).toEqual(['/url']);
      }
    });

    it('a key manages only endpoints within its organizations; ["*"] is the admin\'s', async () => {
      const r = await receiver();
      const keyRes = await gw.call('POST', '/v1/api-keys', {
        body: {
          name: 'acme hooks',
          organization_ids: ['acme-k'],
          scopes: ['webhooks:read', 'webhooks:write'],
        },
      });
      const key = (await json<{ key: string }>(keyRes)).key;
      const as = (method: string, path: string, body?: unknown) =>
        gw.call(method, path, {
          ...(body === undefined ? {} : { body }),
          headers: { authorization: `Bearer ${key}` },
        });
      const mine = await as('POST', '/v1/webhooks', { url: `${r.url}/k`, organization_ids: ['acme-k'] });
      expect(mine.status).toBe(201);
      const mineId = (await json<Created>(mine)).id;
      for (const organization_ids of [['globex'], ['*'], ['acme-k', 'globex']]) {
        const res = await as('POST', '/v1/webhooks', { url: `${r.url}/k`, organization_ids });
        expect(res.status, JSON.stringify(organization_ids)).toBe(400);
      }
      const { hook: admins } = await endpointFor(r, { organization_ids: ['*'] });
      expect((await as('GET', `/v1/webhooks/${admins.id}`)).status).toBe(404);
      expect((await as('PATCH', `/v1/webhooks/${admins.id}`, { description: 'mine now' })).status).toBe(404);
      expect((await as('DELETE', `/v1/webhooks/${admins.id}`)).status).toBe(404);
      const listed = (
        await json<{ data: Array<{ id: string }> }>(await as('GET', '/v1/webhooks?limit=200'))
      ).data.map((w) => w.id);
      expect(listed).toEqual([mineId]);
      // Moving one's own endpoint to an organization outside the key: refused.
      expect((await as('PATCH', `/v1/webhooks/${mineId}`, { organization_ids: ['globex'] })).status).toBe(
        400,
      );
      const readOnly = (
        await json<{ key: string }>(
          await gw.call('POST', '/v1/api-keys', {
            body: { name: 'ro', organization_ids: ['acme-k'], scopes: ['webhooks:read'] },
          }),
        )
      ).key;
      expect(
        (
          await gw.call('POST', '/v1/webhooks', {
            body: { url: `${r.url}/k`, organization_ids: ['acme-k'] },
            headers: { authorization: `Bearer ${readOnly}` },
          })
        ).status,
      ).toBe(403);
    });
  });

  describe('deliveries', () => {
    it('signs each event as Standard Webhooks (verified with standardwebhooks): id, timestamp, payload with the event and its connection', async () => {
      const r = await receiver();
      const { hook, org } = await endpointFor(r);
      await createOrg(org, { versori: DEMO_ORGANISATION.id });
      const created = await gw.call('POST', `/v1/organizations/${org}/connections`, {
        body: {
          provider: 'versori',
          kind: 'app_apikey',
          name: `hooked-${org}`,
          credentials: { type: 'api_key', api_key: 'a-secret-api-key-0001' },
        },
      });
      expect(created.status).toBe(201);
      const connection = await json<{ id: string; name: string }>(created);
      await vi.waitFor(() => expect(r.received.length).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
      const got = r.verified(hook.secret);
      const byType = new Map(got.map((g) => [g.payload.type, g]));
      expect(byType.get('organization.created')?.payload.data).toMatchObject({
        organization_id: org,
        connection: null,
        actor: 'admin',
      });
      const conn = byType.get('connection.created');
      expect(conn?.payload.data).toMatchObject({
        connection_id: connection.id,
        connection: { id: connection.id, name: connection.name },
      });
      expect(conn?.id).toBe(conn?.payload.data['id']);
      expect(conn?.payload.timestamp).toBe(conn?.payload.data['at']);
      const headers = r.received[0]?.headers ?? {};
      expect(headers['content-type']).toBe('application/json');
      expect(headers['user-agent']).toMatch(/^plugboard\/\d+\.\d+\.\d+$/);
      expect(Number(headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -2);
      expect(r.received.map((x) => x.body).join('\n')).not.toContain('a-secret-api-key-0001');
      // A wrong secret does not verify.
      expect(() => r.verified(`whsec_${Buffer.alloc(32, 1).toString('base64')}`)).toThrow();
      await vi.waitFor(async () =>
        expect((await deliveries(hook.id)).map((d) => d.status)).toEqual(['delivered', 'delivered']),
      );
    });

    it('a receiver failing twice then succeeding gets three attempts with the same webhook-id; the log says so', async () => {
      const r = await receiver();
      r.answers.push({ status: 500 }, { status: 503 });
      const { hook, org } = await endpointFor(r);
      await createOrg(org);
      await vi.waitFor(() => expect(r.received.length).toBe(3), { timeout: 10_000 });
      expect(new Set(r.received.map((x) => x.headers['webhook-id'])).size).toBe(1);
      expect(new Set(r.verified(hook.secret).map((x) => x.payload.type))).toEqual(
        new Set(['organization.created']),
      );
      await vi.waitFor(async () =>
        expect((await deliveries(hook.id))[0]).toMatchObject({
          status: 'delivered',
          attempts: 3,
          last_attempt: { status_code: 204, error: null },
        }),
      );
    });

    it('after the last scheduled attempt the delivery has failed', async () => {
      const r = await receiver();
      r.otherwise = { status: 500 };
      const { hook, org } = await endpointFor(r);
      await createOrg(org);
      await vi.waitFor(
        async () =>
          expect((await deliveries(hook.id))[0]).toMatchObject({
            status: 'failed',
            attempts: SCHEDULE.length + 1,
            last_attempt: { status_code: 500, error: 'HTTP 500' },
          }),
        { timeout: 10_000 },
      );
      expect(r.received.length).toBe(SCHEDULE.length + 1);
    });

    it('honours a Retry-After longer than the schedule', async () => {
      const r = await receiver();
      r.answers.push({ status: 429, headers: { 'retry-after': '1' } });
      const { org } = await endpointFor(r);
      await createOrg(org);
      await vi.waitFor(() => expect(r.received.length).toBe(2), { timeout: 10_000 });
      const [a, b] = r.received;
      expect((b?.at ?? 0) - (a?.at ?? 0)).toBeGreaterThanOrEqual(950);
    });

    it('never follows a redirect: a 3xx is a failed attempt', async () => {
      const r = await receiver();
      const target = await receiver();
      r.otherwise = { status: 302, headers: { location: `${target.url}/elsewhere` } };
      const { hook, org } = await endpointFor(r);
      await createOrg(org);
      await vi.waitFor(async () =>
        expect((await deliveries(hook.id))[0]?.last_attempt?.error).toBe(
          'HTTP 302 (redirects are not followed)',
        ),
      );
      expect(target.received).toEqual([]);
    });

    it('410 disables the endpoint at once and records webhook.disabled; later events are not delivered to it', async () => {
      const r = await receiver();
      r.otherwise = { status: 410 };
      const { hook, org } = await endpointFor(r);
      const watcher = await receiver();
      const { hook: admin } = await endpointFor(watcher, {
        organization_ids: ['*'],
        events: ['webhook.disabled'],
      });
      await createOrg(org);
      await vi.waitFor(async () =>
        expect(await json(await gw.call('GET', `/v1/webhooks/${hook.id}`))).toMatchObject({
          status: 'disabled',
          disabled_reason: 'gone',
        }),
      );
      expect((await deliveries(hook.id))[0]).toMatchObject({
        status: 'failed',
        attempts: 1,
        last_attempt: { status_code: 410 },
      });
      await vi.waitFor(() =>
        expect(watcher.verified(admin.secret).map((d) => d.payload.data)).toContainEqual(
          expect.objectContaining({ type: 'webhook.disabled', webhook_id: hook.id, reason: 'gone' }),
        ),
      );
      expect((await gw.call('PATCH', `/v1/organizations/${org}`, { body: { name: 'renamed' } })).status).toBe(
        200,
      );
      expect((await gw.call('POST', `/v1/webhooks/${hook.id}/test`)).status).toBe(409);
      // Enabling it again resets it: the next event is delivered.
      r.otherwise = { status: 204 };
      expect(
        await json(await gw.call('PATCH', `/v1/webhooks/${hook.id}`, { body: { status: 'enabled' } })),
      ).toMatchObject({ status: 'enabled', disabled_reason: null });
      const before = r.received.length;
      expect(
        (await gw.call('PATCH', `/v1/organizations/${org}`, { body: { name: 'renamed again' } })).status,
      ).toBe(200);
      await vi.waitFor(() =>
        expect(
          r
            .verified(hook.secret)
            .slice(before)
            .map((d) => d.payload.data['changed']),
        ).toContainEqual(['name']),
      );
    });

    it('rotation: for the overlap every delivery is signed with both secrets, each verifying alone', async () => {
      const r = await receiver();
      const { hook, org } = await endpointFor(r);
      const rotated = await gw.call('POST', `/v1/webhooks/${hook.id}/rotate-secret`);
      expect(rotated.status).toBe(200);
      expect(rotated.headers.get('cache-control')).toBe('no-store');
      const { secret, previous_expires_at } = await json<{ secret: string; previous_expires_at: string }>(
        rotated,
      );
      expect(secret).not.toBe(hook.secret);
      expect(Date.parse(previous_expires_at) - Date.now()).toBeGreaterThan(23 * 3_600_000);
      await createOrg(org);
      await vi.waitFor(() => expect(r.received.length).toBe(1));
      expect(r.received[0]?.headers['webhook-signature']?.split(' ')).toHaveLength(2);
      expect(r.verified(secret)).toHaveLength(1);
      expect(r.verified(hook.secret)).toHaveLength(1);
    });

    it('the test ping goes to its endpoint alone; retry sends a delivery again with the same webhook-id; delete drops what is undelivered', async () => {
      const r = await receiver();
      const other = await receiver();
      const { hook } = await endpointFor(r);
      await endpointFor(other, { organization_ids: ['*'] });
      const ping = await gw.call('POST', `/v1/webhooks/${hook.id}/test`);
      expect(ping.status).toBe(202);
      const { delivery_id } = await json<{ delivery_id: string }>(ping);
      await vi.waitFor(() => expect(r.received.length).toBe(1));
      const [first] = r.verified(hook.secret);
      expect(first?.payload).toMatchObject({ type: 'webhook.test', data: { webhook_id: hook.id } });
      await vi.waitFor(async () =>
        expect((await deliveries(hook.id)).find((d) => d.id === delivery_id)?.status).toBe('delivered'),
      );
      expect(
        other.received
          .map((x) => JSON.parse(x.body) as { type: string })
          .filter((p) => p.type === 'webhook.test'),
      ).toEqual([]);
      expect((await gw.call('POST', `/v1/webhooks/${hook.id}/deliveries/${delivery_id}/retry`)).status).toBe(
        202,
      );
      await vi.waitFor(() => expect(r.received.length).toBe(2));
      expect(r.received[1]?.headers['webhook-id']).toBe(first?.id);
      expect((await gw.call('POST', `/v1/webhooks/${hook.id}/deliveries/dl_none/retry`)).status).toBe(404);
      // Delete: what was still to be delivered is dropped.
      r.otherwise = 'hold';
      const { hook: held, org } = await endpointFor(r);
      r.otherwise = { status: 500 };
      await createOrg(org);
      await vi.waitFor(async () =>
        expect((await deliveries(held.id))[0]?.attempts).toBeGreaterThanOrEqual(1),
      );
      expect((await gw.call('DELETE', `/v1/webhooks/${held.id}`)).status).toBe(204);
      expect((await gw.call('GET', `/v1/webhooks/${held.id}`)).status).toBe(404);
      expect((await gw.call('DELETE', `/v1/webhooks/${held.id}`)).status).toBe(404);
    });

    it('the delivery log pages newest first and filters by status and event type', async () => {
      const r = await receiver();
      r.answers.push({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
      const { hook, org } = await endpointFor(r);
      await createOrg(org);
      for (let i = 0; i < 3; i += 1)
        expect((await gw.call('PATCH', `/v1/organizations/${org}`, { body: { name: `n${i}` } })).status).toBe(
          200,
        );
      await vi.waitFor(async () => expect((await deliveries(hook.id, '?status=delivered')).length).toBe(4), {
        timeout: 10_000,
      });
      const page1 = await json<{ data: Delivery[]; next_cursor: string }>(
        await gw.call('GET', `/v1/webhooks/${hook.id}/deliveries?limit=3`),
      );
      const page2 = await json<{ data: Delivery[]; next_cursor: string | null }>(
        await gw.call(
          'GET',
          `/v1/webhooks/${hook.id}/deliveries?limit=3&cursor=${encodeURIComponent(page1.next_cursor)}`,
        ),
      );
      expect(page1.data.length + page2.data.length).toBe(4);
      expect(page2.next_cursor).toBeNull();
      expect(new Set([...page1.data, ...page2.data].map((d) => d.id)).size).toBe(4);
      expect(
        (await deliveries(hook.id, '?event_type=organization.created')).map((d) => d.event_type),
      ).toEqual(['organization.created']);
      expect((await gw.call('GET', `/v1/webhooks/${hook.id}/deliveries?status=lost`)).status).toBe(400);
    });
  });
}
