import { expect, it } from 'vitest';
import type { Connection } from '../../src/core/connection.js';
import type { NewEvent, Storage, WebhookEndpointRow } from '../../src/core/storage.js';

/**
 * The events-out part of the storage conformance suite: the outbox (deliveries written with their
 * event, only for matching enabled endpoints), claims and their leases (never one delivery to two
 * claimers, also across replicas), attempts and what they do to an endpoint, the delivery log, and
 * the monitor's snapshots with their compare-and-set.
 */
export interface ConformanceStorages {
  withAcme(): Promise<Storage>;
  twoReplicas(): Promise<[Storage, Storage]>;
  replicas: boolean;
}

const T0 = '2026-01-01T00:00:00.000Z';
const later = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

const secret = (n: number) => ({ key_id: 'k', nonce: Buffer.alloc(12, n), ciphertext: Buffer.from(`s${n}`) });
export const endpoint = (id: string, over: Partial<WebhookEndpointRow> = {}): WebhookEndpointRow => ({
  id,
  url: `https://hooks.example.com/${id}`,
  events: ['*'],
  organization_ids: ['acme'],
  description: null,
  status: 'enabled',
  disabled_reason: null,
  secret: secret(1),
  previous_secret: null,
  previous_expires_at: null,
  failing_since: null,
  created_at: T0,
  updated_at: T0,
  ...over,
});
const connection = (id: string, name: string): Connection => ({
  id,
  organization_id: 'acme',
  provider: 'leen',
  provider_type: 'leen',
  kind: 'SNYK',
  name,
  status: 'active',
  health: { status: 'healthy', description: null, resolution_owner: null },
  credentials: { configured: true, stored: false, type: null, updated_at: null },
  settings: {},
  details: {},
  external: { connection_id: 'x', organization_id: 'o1' },
  end_user: null,
  metadata: null,
  created_at: null,
  updated_at: null,
});
const ev = (id: string, type = 'connection.updated', over: Partial<NewEvent> = {}): NewEvent => ({
  id,
  type,
  organization_id: 'acme',
  connection_id: null,
  actor: 'admin',
  changed: [],
  request_id: null,
  at: T0,
  ...over,
});
const claim = (s: Storage, owner: string, limit = 10, skip: string[] = [], now = T0) =>
  s.claimDeliveries({ owner, now, lease_until: later(60_000), limit, skip_endpoints: skip });

export function outboxConformance(st: ConformanceStorages): void {
  it('outbox: an event gets one pending delivery per enabled endpoint whose organizations and patterns match', async () => {
    const s = await st.withAcme();
    await s.insertWebhookEndpoint(endpoint('wh_all'));
    await s.insertWebhookEndpoint(endpoint('wh_conn', { events: ['connection.*'] }));
    await s.insertWebhookEndpoint(endpoint('wh_exact', { events: ['organization.deleted'] }));
    await s.insertWebhookEndpoint(endpoint('wh_other', { organization_ids: ['globex'] }));
    await s.insertWebhookEndpoint(
      endpoint('wh_star', { organization_ids: ['*'], events: ['api_key.*', 'connection.updated'] }),
    );
    await s.insertWebhookEndpoint(endpoint('wh_off', { status: 'disabled' }));
    await s.recordEvents([ev('ev_1'), ev('ev_2', 'api_key.created', { organization_id: '' })]);
    const by = async (id: string) =>
      (await s.listDeliveries(id, {}, 10)).map((d) => [d.event_id, d.status, d.attempts]);
    expect(await by('wh_all')).toEqual([['ev_1', 'pending', 0]]);
    expect(await by('wh_conn')).toEqual([['ev_1', 'pending', 0]]);
    expect(await by('wh_exact')).toEqual([]);
    expect(await by('wh_other')).toEqual([]);
    expect((await by('wh_star')).map(([e]) => e).sort()).toEqual(['ev_1', 'ev_2']);
    expect(await by('wh_off')).toEqual([]);
    expect(await s.countPendingDeliveries()).toBe(4);
    // A targeted event (the test ping) goes to its endpoint alone.
    await s.recordEvents([
      ev('ev_3', 'webhook.test', {
        organization_id: '',
        deliver_to: { endpoint_id: 'wh_exact', delivery_id: 'dl_test' },
      }),
    ]);
    expect(await by('wh_exact')).toEqual([['ev_3', 'pending', 0]]);
    expect((await s.getDelivery('wh_exact', 'dl_test'))?.event_id).toBe('ev_3');
  });

  it('outbox: a change that fails writes neither its event nor its deliveries', async () => {
    const s = await st.withAcme();
    await s.insertWebhookEndpoint(endpoint('wh_1'));
    await expect(
      s.transaction(async (tx) => {
        await tx.recordEvents([ev('ev_1')]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await s.countPendingDeliveries()).toBe(0);
  });

  it('claims: due deliveries of enabled endpoints, each leased to one claimer (also of two replicas at once), oldest due first; skipped endpoints are left', async () => {
    const [a, b] = await st.twoReplicas();
    await a.insertWebhookEndpoint(endpoint('wh_1'));
    await a.insertWebhookEndpoint(endpoint('wh_2'));
    await a.recordEvents(
      Array.from({ length: 15 }, (_, i) =>
        ev(`ev_${String(i).padStart(2, '0')}`, 'connection.updated', { at: later(i) }),
      ),
    );
    const got = await Promise.all([claim(a, 'A', 15, [], later(100)), claim(b, 'B', 15, [], later(100))]);
    const ids = got.flat().map((c) => c.delivery.id);
    expect(ids.length).toBe(30);
    expect(new Set(ids).size).toBe(30);
    expect(await claim(a, 'C', 50, [], later(100))).toEqual([]);
    // Each claim carries its event and endpoint.
    const one = got.flat()[0];
    expect(one?.event.id).toMatch(/^ev_/);
    expect(one?.endpoint.secret.nonce.equals(Buffer.alloc(12, 1))).toBe(true);
    // A lease that ran out is claimed again; a due time still to come is not.
    const again = await claim(a, 'D', 100, ['wh_2'], later(120_000));
    expect(again.length).toBe(15);
    expect(again.map((c) => c.event.id)).toEqual([...again.map((c) => c.event.id)].sort());
    expect(again.every((c) => c.endpoint.id === 'wh_1')).toBe(true);
    await a.recordEvents([ev('ev_future', 'connection.updated', { at: later(10_000_000) })]);
    expect((await claim(a, 'E', 100, [], later(200_000))).map((c) => c.event.id)).not.toContain('ev_future');
  });

  it('attempts: one by the lease holder only; pending again with its next time, delivered, or failed; the log is newest first and filters', async () => {
    const s = await st.withAcme();
    await s.insertWebhookEndpoint(endpoint('wh_1'));
    await s.recordEvents([ev('ev_1'), ev('ev_2', 'organization.updated', { at: later(1) })]);
    const [c1, c2] = await claim(s, 'A', 10, [], later(5));
    if (!c1 || !c2) throw new Error('expected two claims');
    const attempt = { at: later(10), status_code: 500, error: 'HTTP 500', duration_ms: 12.5 };
    const failed = {
      ok: false as const,
      gone: false,
      disable_if_failing_since: later(-1),
      disabled: ev('ev_off', 'webhook.disabled', { organization_id: '' }),
    };
    expect(
      await s.recordDeliveryAttempt(c1.delivery.id, 'B', {
        attempt,
        status: 'pending',
        next_attempt_at: later(5_000),
        endpoint: failed,
      }),
    ).toBe(false);
    expect(
      await s.recordDeliveryAttempt(c1.delivery.id, 'A', {
        attempt,
        status: 'pending',
        next_attempt_at: later(5_000),
        endpoint: failed,
      }),
    ).toBe(true);
    expect((await s.getWebhookEndpoint('wh_1'))?.failing_since).toBe(later(10));
    expect(
      await s.recordDeliveryAttempt(c2.delivery.id, 'A', {
        attempt: { ...attempt, status_code: 204, error: null },
        status: 'delivered',
        next_attempt_at: null,
        endpoint: { ok: true },
      }),
    ).toBe(true);
    const log = await s.listDeliveries('wh_1', {}, 10);
    expect(log.map((d) => [d.event_id, d.status, d.attempts])).toEqual([
      ['ev_2', 'delivered', 1],
      ['ev_1', 'pending', 1],
    ]);
    expect(log[1]?.last_attempt).toEqual(attempt);
    expect(log[1]?.next_attempt_at).toBe(later(5_000));
    expect(log[0]?.delivered_at).toBe(later(10));
    expect((await s.listDeliveries('wh_1', { status: 'pending' }, 10)).map((d) => d.event_id)).toEqual([
      'ev_1',
    ]);
    expect(
      (await s.listDeliveries('wh_1', { event_type: 'organization.updated' }, 10)).map((d) => d.event_id),
    ).toEqual(['ev_2']);
    const first = log[0];
    if (!first) throw new Error('expected a delivery');
    expect(
      (await s.listDeliveries('wh_1', { before: { created_at: first.created_at, id: first.id } }, 10)).map(
        (d) => d.event_id,
      ),
    ).toEqual(['ev_1']);
    expect((await s.getWebhookEndpoint('wh_1'))?.failing_since).toBeNull();
    // Retry: pending and due now, whatever its status.
    expect(await s.retryDelivery('wh_1', c2.delivery.id, later(20))).toBe(true);
    expect(await s.getDelivery('wh_1', c2.delivery.id)).toMatchObject({
      status: 'pending',
      next_attempt_at: later(20),
    });
    expect(await s.retryDelivery('wh_other', c2.delivery.id, later(20))).toBe(false);
  });

  it('attempts that disable their endpoint (a 410, or failing since long enough) record webhook.disabled, delivered to the other endpoints, in their transaction', async () => {
    const s = await st.withAcme();
    await s.insertWebhookEndpoint(endpoint('wh_gone'));
    await s.insertWebhookEndpoint(endpoint('wh_failing'));
    await s.insertWebhookEndpoint(endpoint('wh_admin', { organization_ids: ['*'], events: ['webhook.*'] }));
    await s.recordEvents([ev('ev_1'), ev('ev_2', 'connection.updated', { at: later(1) })]);
    const claims = await claim(s, 'A', 10, ['wh_admin'], later(5));
    const of = (id: string, event: string) =>
      claims.find((c) => c.endpoint.id === id && c.event.id === event)?.delivery.id ?? '';
    const off = (id: string) =>
      ev(`ev_off_${id}`, 'webhook.disabled', {
        organization_id: '',
        at: later(10),
        data: { webhook_id: id },
      });
    const fail = (code: number) => ({
      at: later(10),
      status_code: code,
      error: `HTTP ${code}`,
      duration_ms: 1,
    });
    await s.recordDeliveryAttempt(of('wh_gone', 'ev_1'), 'A', {
      attempt: fail(410),
      status: 'failed',
      next_attempt_at: null,
      endpoint: {
        ok: false,
        gone: true,
        disable_if_failing_since: later(-1_000_000),
        disabled: off('wh_gone'),
      },
    });
    expect(await s.getWebhookEndpoint('wh_gone')).toMatchObject({
      status: 'disabled',
      disabled_reason: 'gone',
      failing_since: later(10),
    });
    // Failing, but not since long enough: still enabled; the next failure past the limit disables it.
    await s.recordDeliveryAttempt(of('wh_failing', 'ev_1'), 'A', {
      attempt: fail(500),
      status: 'pending',
      next_attempt_at: later(100),
      endpoint: { ok: false, gone: false, disable_if_failing_since: later(0), disabled: off('wh_failing') },
    });
    expect((await s.getWebhookEndpoint('wh_failing'))?.status).toBe('enabled');
    await s.recordDeliveryAttempt(of('wh_failing', 'ev_2'), 'A', {
      attempt: { ...fail(500), at: later(50) },
      status: 'pending',
      next_attempt_at: later(100),
      endpoint: { ok: false, gone: false, disable_if_failing_since: later(20), disabled: off('wh_failing') },
    });
    expect(await s.getWebhookEndpoint('wh_failing')).toMatchObject({
      status: 'disabled',
      disabled_reason: 'failing',
      failing_since: later(10),
    });
    const disabled = (await s.listAllEvents(0, 100)).filter((e) => e.type === 'webhook.disabled');
    expect(disabled.map((e) => e.data)).toEqual([
      { webhook_id: 'wh_gone', reason: 'gone' },
      { webhook_id: 'wh_failing', reason: 'failing' },
    ]);
    expect((await s.listDeliveries('wh_admin', {}, 10)).map((d) => d.event_id).sort()).toEqual([
      'ev_off_wh_failing',
      'ev_off_wh_gone',
    ]);
    // A disabled endpoint's deliveries are not claimed.
    await s.recordEvents([
      ev('ev_3', 'webhook.test', {
        organization_id: '',
        deliver_to: { endpoint_id: 'wh_gone', delivery_id: 'dl_gone' },
      }),
    ]);
    expect((await claim(s, 'B', 10, [], later(200))).every((x) => x.endpoint.id === 'wh_admin')).toBe(true);
  });

  it('endpoints: listed by id, updated whole, deleted with their undelivered deliveries dropped', async () => {
    const s = await st.withAcme();
    await s.insertWebhookEndpoint(endpoint('wh_b'));
    await s.insertWebhookEndpoint(endpoint('wh_a', { description: 'first' }));
    expect((await s.listWebhookEndpoints(null, 10)).map((e) => e.id)).toEqual(['wh_a', 'wh_b']);
    expect((await s.listWebhookEndpoints('wh_a', 10)).map((e) => e.id)).toEqual(['wh_b']);
    const a = (await s.getWebhookEndpoint('wh_a')) as WebhookEndpointRow;
    expect(a.description).toBe('first');
    const rotated = {
      ...a,
      secret: secret(2),
      previous_secret: secret(1),
      previous_expires_at: later(1000),
      updated_at: later(1),
    };
    expect(await s.updateWebhookEndpoint(rotated)).toBe(true);
    expect(await s.getWebhookEndpoint('wh_a')).toEqual(rotated);
    expect(await s.updateWebhookEndpoint(endpoint('wh_none'))).toBe(false);
    // Key rotation's compare-and-swap: only while the current secret is still the one read.
    expect(await s.resealWebhookSecrets('wh_a', secret(1).nonce, secret(3), null)).toBe(false);
    expect(await s.resealWebhookSecrets('wh_a', secret(2).nonce, secret(3), secret(4))).toBe(true);
    expect(await s.getWebhookEndpoint('wh_a')).toMatchObject({
      secret: secret(3),
      previous_secret: secret(4),
      previous_expires_at: later(1000),
    });
    await s.recordEvents([ev('ev_1')]);
    expect(await s.deleteWebhookEndpoint('wh_a')).toBe(true);
    expect(await s.deleteWebhookEndpoint('wh_a')).toBe(false);
    expect(await s.getWebhookEndpoint('wh_a')).toBeNull();
    expect((await s.listDeliveries('wh_a', {}, 10)).map((d) => d.status)).toEqual(['dropped']);
    expect(await s.countPendingDeliveries()).toBe(1);
  });

  it('snapshots: an event carrying a connection takes its snapshot; the monitor records a change only against the snapshot it read', async () => {
    const s = await st.withAcme();
    await s.recordEvents([
      ev('ev_1', 'connection.created', { connection_id: 'cn_1', connection: connection('cn_1', 'one') }),
    ]);
    const first = (await s.connectionSnapshots(['cn_1', 'cn_2'])).get('cn_1');
    expect(first).toEqual({
      kind: 'SNYK',
      name: 'one',
      status: 'active',
      health: { status: 'healthy', description: null, resolution_owner: null },
      settings: {},
    });
    expect((await s.connectionSnapshots(['cn_2'])).size).toBe(0);
    if (!first) throw new Error('expected a snapshot');
    const renamed = { ...first, name: 'two' };
    const change = {
      connection_id: 'cn_1',
      expected: first,
      snapshot: renamed,
      events: [ev('ev_2', 'connection.changed_upstream', { connection_id: 'cn_1', changed: ['name'] })],
    };
    expect(await s.recordObserved([change])).toBe(1);
    // The same change again: the snapshot is no longer the one it was compared with.
    expect(await s.recordObserved([change])).toBe(0);
    expect((await s.connectionSnapshots(['cn_1'])).get('cn_1')?.name).toBe('two');
    expect((await s.listEvents('acme', null, 10))?.map((e) => e.type)).toEqual([
      'organization.created',
      'connection.created',
      'connection.changed_upstream',
    ]);
    // A first snapshot without an event (a connection known before snapshots existed).
    expect(
      await s.recordObserved([{ connection_id: 'cn_9', expected: null, snapshot: first, events: [] }]),
    ).toBe(1);
    expect((await s.connectionSnapshots(['cn_9'])).get('cn_9')).toEqual(first);
    await s.putMonitorState({
      provider_id: 'leen',
      last_pass_at: T0,
      last_pass_ms: 12.5,
      next_pass_at: later(1),
      last_error: null,
    });
    await s.putMonitorState({
      provider_id: 'leen',
      last_pass_at: later(1),
      last_pass_ms: 3,
      next_pass_at: later(2),
      last_error: 'boom',
    });
    expect(await s.monitorState()).toEqual([
      {
        provider_id: 'leen',
        last_pass_at: later(1),
        last_pass_ms: 3,
        next_pass_at: later(2),
        last_error: 'boom',
      },
    ]);
  });

  it('events keep their extra fields and connection', async () => {
    const s = await st.withAcme();
    const data = { previous: { status: 'pending' }, current: { status: 'active' } };
    await s.recordEvents([
      ev('ev_1', 'connection.status_changed', {
        connection_id: 'cn_1',
        data,
        connection: connection('cn_1', 'x'),
      }),
      ev('ev_2', 'connection.removed_upstream', { connection_id: 'cn_1', connection: null }),
    ]);
    const [, e1, e2] = (await s.listEvents('acme', null, 10)) ?? [];
    expect(e1).toMatchObject({ id: 'ev_1', data, connection: { id: 'cn_1', name: 'x' } });
    expect(e2).toMatchObject({ id: 'ev_2', connection: null });
    expect(e2?.data).toBeUndefined();
  });

  it('lists the live connections of one upstream scope', async () => {
    const s = await st.withAcme();
    const row = (id: string, ext: string, external_org_id = 'o1') => ({
      id,
      organization_id: 'acme',
      provider_id: 'leen',
      external_org_id,
      external_id: ext,
      kind: 'SNYK',
      created_at: T0,
      deleted_at: null,
    });
    await s.insertConnection(
      row('cn_a', 'x1'),
      null,
      ev('ev_a', 'connection.created', { connection_id: 'cn_a' }),
    );
    await s.insertConnection(
      row('cn_b', 'x2'),
      null,
      ev('ev_b', 'connection.created', { connection_id: 'cn_b' }),
    );
    await s.insertConnection(
      row('cn_c', 'x3', 'o2'),
      null,
      ev('ev_c', 'connection.created', { connection_id: 'cn_c' }),
    );
    await s.markConnectionDeleted('cn_b', later(1), null);
    expect((await s.liveConnections('acme', 'leen', 'o1')).map((r) => r.id)).toEqual(['cn_a']);
    expect((await s.liveConnections('acme', 'leen', 'o2')).map((r) => r.id)).toEqual(['cn_c']);
  });

  it('tryRun: runs when nobody holds the key, not at all while another holder (another replica) does', async () => {
    const [a, b] = await st.twoReplicas();
    let release!: () => void;
    const holding = a.locks.tryRun(
      'monitor',
      () =>
        new Promise<string>((r) => {
          release = () => r('done');
        }),
    );
    await expect.poll(async () => (await b.locks.tryRun('monitor', async () => 'second')).ran).toBe(false);
    release();
    expect(await holding).toEqual({ ran: true, value: 'done' });
    expect(await b.locks.tryRun('monitor', async () => 'second')).toEqual({ ran: true, value: 'second' });
  });
}
