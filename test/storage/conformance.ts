import { afterAll, expect, it, vi } from 'vitest';
import type { ConnectionRow, ConnectSessionRow, NewEvent, Storage } from '../../src/core/storage.js';
import type { OpenOptions } from '../../src/storage/open.js';
import { MIGRATIONS } from '../../src/storage/sql/migrations.js';
import { outboxConformance } from './outbox-conformance.js';

/**
 * The storage conformance suite (the better-auth adapter-suite style): the same tests, unchanged,
 * against every backend. A backend gives fresh databases and opens them; several storages opened
 * on one database stand for several processes (replicas) on it.
 */
export interface StorageBackend {
  /** A fresh, empty database: its `database.url`. */
  fresh(): Promise<string>;
  open(url: string, opts?: OpenOptions): Promise<Storage>;
  /** The migration versions applied to the database. */
  migrations(url: string): Promise<number[]>;
  /**
   * Whether several processes may write the database at once (PostgreSQL). SQLite serves one
   * gateway process: its "two replicas" are one storage taking concurrent calls.
   */
  replicas: boolean;
}

const row = (id: string, ext = 'ext-1'): ConnectionRow => ({
  id,
  organization_id: 'acme',
  provider_id: 'leen',
  external_org_id: 'o1',
  external_id: ext,
  kind: 'SNYK',
  created_at: '2026-01-01T00:00:00Z',
  deleted_at: null,
  end_user: null,
  metadata: null,
});
const event = (id: string, connection_id = 'cn_1'): NewEvent => ({
  id,
  type: 'connection.created',
  organization_id: 'acme',
  connection_id,
  actor: 'admin',
  changed: ['name'],
  request_id: 'r',
  at: '2026-01-01T00:00:00Z',
});
const orgEvent = (id: string, type = 'organization.created', organization_id = 'acme'): NewEvent => ({
  id,
  type,
  organization_id,
  connection_id: null,
  actor: 'admin',
  changed: [],
  request_id: 'r',
  at: '2026-01-01T00:00:00Z',
});
const org = (id = 'acme') => ({ id, name: 'Acme', links: { leen: 'o1' }, created_at: 't', updated_at: 't' });
const sealed = (connection_id: string) => ({
  connection_id,
  organization_id: 'acme',
  key_id: 'k',
  nonce: Buffer.alloc(12, 1),
  ciphertext: Buffer.from('x'),
  credential_type: 'api_key',
  updated_at: '2026-01-01T00:00:00Z',
});
const intent = (id: string) => ({
  id,
  organization_id: 'acme',
  provider_id: 'leen',
  external_org_id: 'o1',
  expected: { kind: 'SNYK', name: 'n' },
  changed: ['name'],
  credential: {
    key_id: 'k',
    nonce: Buffer.alloc(12, 2),
    ciphertext: Buffer.from('c'),
    credential_type: 'api_key',
    updated_at: 't',
  },
  actor: 'admin',
  request_id: 'r',
  idempotency: null,
  created_at: '2026-01-01T00:00:00Z',
});

export function storageConformance(backend: StorageBackend): void {
  const opened: Storage[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
  });
  /** Storage on a fresh database. */
  async function fresh(): Promise<Storage> {
    const s = await backend.open(await backend.fresh());
    opened.push(s);
    return s;
  }
  /** Storage on a fresh database with organization `acme`. */
  async function withAcme(): Promise<Storage> {
    const s = await fresh();
    await s.createOrganization(org(), orgEvent('ev_acme'));
    return s;
  }
  /** Two storages on one fresh database with organization `acme`: two replicas. */
  async function twoReplicas(): Promise<[Storage, Storage]> {
    const url = await backend.fresh();
    const a = await backend.open(url);
    const b = backend.replicas ? await backend.open(url) : a;
    opened.push(a, b);
    await a.createOrganization(org(), orgEvent('ev_acme'));
    return [a, b];
  }

  it('applies versioned migrations once and reopens an existing file', async () => {
    const f = await backend.fresh();
    await (await backend.open(f)).close();
    const s = await backend.open(f);
    await s.ping();
    await s.close();
    expect(await backend.migrations(f)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('writes a connection, its credentials and its event in one transaction: a failure leaves no half row', async () => {
    const s = await withAcme();
    await s.insertConnection(row('cn_1'), sealed('cn_1'), event('ev_1'));
    // Same event id again: the event insert fails after the connection and credential inserts ran.
    await expect(
      s.insertConnection(row('cn_2', 'ext-2'), sealed('cn_2'), event('ev_1', 'cn_2')),
    ).rejects.toThrow();
    expect(await s.getConnection('cn_2')).toBeNull();
    expect(await s.getCredential('cn_2')).toBeNull();
    expect(await s.getConnection('cn_1')).toMatchObject({ id: 'cn_1' });
    await s.close();
  });

  it('keeps tombstoned ids: a new upstream connection with the same identity gets a new id', async () => {
    const s = await withAcme();
    const cand = {
      organization_id: 'acme',
      provider_id: 'leen',
      external_org_id: 'o1',
      external_id: 'same',
      kind: 'SNYK',
    };
    const [first] = await s.ensureConnections([{ ...cand, new_id: 'cn_first' }], 't');
    const [again] = await s.ensureConnections([{ ...cand, new_id: 'cn_other' }], 't');
    expect(again?.id).toBe(first?.id);
    await s.markConnectionDeleted('cn_first', 't2', null);
    const [after] = await s.ensureConnections([{ ...cand, new_id: 'cn_second' }], 't3');
    expect(after?.id).toBe('cn_second');
    expect(await s.getConnection('cn_first')).toMatchObject({ deleted_at: 't2' });
    await s.close();
  });

  it("finds an organization, one of its connections and its credential facts in one lookup; another organization's connection is not found", async () => {
    const s = await fresh();
    const org = { id: 'acme', name: 'Acme', links: { leen: 'o1' }, created_at: 't', updated_at: 't' };
    await s.createOrganization(org, orgEvent('ev_o1'));
    await s.createOrganization(
      { ...org, id: 'other', links: {} },
      orgEvent('ev_o2', 'organization.created', 'other'),
    );
    await s.insertConnection(row('cn_1'), sealed('cn_1'), event('ev_1'));
    await s.insertConnection(row('cn_2', 'ext-2'), null, event('ev_2'));
    const credential = {
      connection_id: 'cn_1',
      credential_type: 'api_key',
      updated_at: '2026-01-01T00:00:00Z',
    };
    expect(await s.getConnectionWithOrganization('acme', 'cn_1')).toEqual({
      organization: org,
      connection: row('cn_1'),
      credential,
    });
    expect(await s.getConnectionWithOrganization('acme', 'cn_2')).toEqual({
      organization: org,
      connection: row('cn_2', 'ext-2'),
      credential: null,
    });
    expect(await s.getConnectionWithOrganization('acme', 'cn_nope')).toEqual({
      organization: org,
      connection: null,
      credential: null,
    });
    expect(await s.getConnectionWithOrganization('other', 'cn_1')).toEqual({
      organization: { ...org, id: 'other', links: {} },
      connection: null,
      credential: null,
    });
    expect(await s.getConnectionWithOrganization('ghost', 'cn_1')).toBeNull();
    await s.close();
  });

  it('deleting a connection drops its credentials', async () => {
    const s = await withAcme();
    await s.insertConnection(row('cn_1'), sealed('cn_1'), event('ev_1'));
    expect((await s.credentialMeta(['cn_1'])).get('cn_1')).toMatchObject({ credential_type: 'api_key' });
    await s.markConnectionDeleted('cn_1', 't', event('ev_2'));
    expect(await s.getCredential('cn_1')).toBeNull();
    expect((await s.listEvents('acme', null, 10))?.map((e) => e.id)).toEqual(['ev_acme', 'ev_1', 'ev_2']);
    expect(await s.listEvents('acme', 'ev_1', 10)).toHaveLength(1);
    expect(await s.listEvents('acme', 'ev_acme', 10)).toHaveLength(2);
    expect(await s.listEvents('acme', 'ev_unknown', 10)).toBeNull();
    await s.close();
  });

  it('key rotation: pages rows under other keys by connection id, re-seals by compare-and-swap, counts rows per key id', async () => {
    const s = await withAcme();
    const under = (id: string, key_id: string) => ({
      ...sealed(id),
      key_id,
      nonce: Buffer.from(`${id}-nonce`),
    });
    for (const [id, key] of [
      ['cn_1', 'old'],
      ['cn_2', 'new'],
      ['cn_3', 'old'],
      ['cn_4', 'older'],
    ] as const) {
      await s.insertConnection(row(id, `ext-${id}`), under(id, key), event(`ev_${id}`, id));
    }
    expect(await s.countCredentialsByKey()).toEqual(
      new Map([
        ['new', 1],
        ['old', 2],
        ['older', 1],
      ]),
    );
    expect((await s.credentialsSealedWithOtherKeys('new', null, 2)).map((r) => r.connection_id)).toEqual([
      'cn_1',
      'cn_3',
    ]);
    expect((await s.credentialsSealedWithOtherKeys('new', 'cn_3', 2)).map((r) => r.connection_id)).toEqual([
      'cn_4',
    ]);

    const next = (id: string, from: { key_id: string; nonce: Buffer }) => ({
      connection_id: id,
      from,
      key_id: 'new',
      nonce: Buffer.from(`${id}-n2`),
      ciphertext: Buffer.from('y'),
    });
    // cn_3 was rewritten meanwhile (another nonce): its update does not apply; cn_9 does not exist.
    await s.recordConnectionUpdate(
      { ...under('cn_3', 'old'), nonce: Buffer.from('rewritten') },
      event('ev_x', 'cn_3'),
    );
    const n = await s.resealCredentials([
      next('cn_1', { key_id: 'old', nonce: Buffer.from('cn_1-nonce') }),
      next('cn_3', { key_id: 'old', nonce: Buffer.from('cn_3-nonce') }),
      next('cn_9', { key_id: 'old', nonce: Buffer.from('x') }),
    ]);
    expect(n).toBe(1);
    expect(await s.getCredential('cn_1')).toMatchObject({
      key_id: 'new',
      nonce: Buffer.from('cn_1-n2'),
      ciphertext: Buffer.from('y'),
      updated_at: '2026-01-01T00:00:00Z',
      credential_type: 'api_key',
    });
    expect(await s.getCredential('cn_3')).toMatchObject({ key_id: 'old', nonce: Buffer.from('rewritten') });
    expect(await s.countCredentialsByKey()).toEqual(
      new Map([
        ['new', 2],
        ['old', 1],
        ['older', 1],
      ]),
    );
    await s.close();
  });

  it('a tool may refuse to create a database that is not there', async () => {
    const f = await backend.fresh();
    await expect(backend.open(f, { mustExist: true })).rejects.toThrow(
      /no SQLite database at|no Plugboard database/,
    );
    await (await backend.open(f)).close();
    await (await backend.open(f, { mustExist: true })).close();
  });

  it('deletes an organization in one transaction: its credentials go, its live connections are tombstoned, the event is recorded; nothing of another organization is touched', async () => {
    const s = await fresh();
    await s.createOrganization(org(), orgEvent('ev_acme'));
    await s.createOrganization(org('other'), orgEvent('ev_other', 'organization.created', 'other'));
    await s.insertConnection(row('cn_1'), sealed('cn_1'), event('ev_1'));
    await s.insertConnection(row('cn_2', 'ext-2'), null, event('ev_2', 'cn_2'));
    await s.insertConnection(row('cn_3', 'ext-3'), sealed('cn_3'), event('ev_3', 'cn_3'));
    await s.markConnectionDeleted('cn_3', 'before', null);
    await s.insertConnection(
      { ...row('cn_9', 'ext-9'), organization_id: 'other' },
      { ...sealed('cn_9'), organization_id: 'other' },
      { ...event('ev_9', 'cn_9'), organization_id: 'other' },
    );

    // A failure in the middle (an event id that exists) leaves everything as it was.
    await expect(
      s.deleteOrganization('acme', 'now', orgEvent('ev_1', 'organization.deleted')),
    ).rejects.toThrow();
    expect(await s.getOrganization('acme')).not.toBeNull();
    expect(await s.getCredential('cn_1')).not.toBeNull();
    expect((await s.getConnection('cn_1'))?.deleted_at).toBeNull();

    expect(await s.deleteOrganization('acme', 'now', orgEvent('ev_del', 'organization.deleted'))).toBe(true);
    expect(await s.getOrganization('acme')).toBeNull();
    expect(await s.getCredential('cn_1')).toBeNull();
    expect((await s.getConnection('cn_1'))?.deleted_at).toBe('now');
    expect((await s.getConnection('cn_2'))?.deleted_at).toBe('now');
    expect((await s.getConnection('cn_3'))?.deleted_at).toBe('before');
    expect(await s.getCredential('cn_9')).not.toBeNull();
    expect((await s.getConnection('cn_9'))?.deleted_at).toBeNull();
    expect(await s.deleteOrganization('acme', 'later', orgEvent('ev_del2', 'organization.deleted'))).toBe(
      false,
    );
    expect(
      (await s.listAllEvents(0, 100)).filter((e) => e.organization_id === 'acme').map((e) => e.id),
    ).toEqual(['ev_acme', 'ev_1', 'ev_2', 'ev_3', 'ev_del']);
    expect(await s.countCredentialsByKey()).toEqual(new Map([['k', 1]]));
    await s.close();
  });

  it('writes under way while their organization is deleted keep nothing: no connection row, no sealed credentials, no adopted id', async () => {
    const s = await withAcme();
    await s.insertConnection(row('cn_1'), sealed('cn_1'), event('ev_1'));
    await s.deleteOrganization('acme', 'now', orgEvent('ev_del', 'organization.deleted'));
    // A create whose upstream call ended after the deletion.
    expect(
      await s.insertConnection(row('cn_late', 'ext-late'), sealed('cn_late'), event('ev_late', 'cn_late')),
    ).toBe(false);
    expect(await s.getConnection('cn_late')).toBeNull();
    expect(await s.getCredential('cn_late')).toBeNull();
    // A credentials change whose upstream call ended after the deletion.
    await s.recordConnectionUpdate(sealed('cn_1'), event('ev_upd', 'cn_1'));
    expect(await s.getCredential('cn_1')).toBeNull();
    // A list that adopted an upstream connection after the deletion.
    const [adopted] = await s.ensureConnections(
      [
        {
          organization_id: 'acme',
          provider_id: 'leen',
          external_org_id: 'o1',
          external_id: 'ext-new',
          kind: 'SNYK',
          new_id: 'cn_adopted',
        },
      ],
      'now',
    );
    expect(adopted?.id).toBe('cn_adopted');
    expect(await s.getConnection('cn_adopted')).toBeNull();
    await s.close();
  });

  it("an organization made again with a deleted one's id starts afresh: no old connection, credential or event is found", async () => {
    const f = await backend.fresh();
    const s = await backend.open(f);
    opened.push(s);
    await s.createOrganization(org(), orgEvent('ev_acme'));
    await s.insertConnection(row('cn_1'), sealed('cn_1'), event('ev_1'));
    await s.deleteOrganization('acme', 'now', orgEvent('ev_del', 'organization.deleted'));
    expect(await s.createOrganization(org(), orgEvent('ev_again'))).toBe(true);

    const lookup = await s.getConnectionWithOrganization('acme', 'cn_1');
    expect(lookup?.connection?.deleted_at).toBe('now'); // a tombstone: the connection routes answer 404
    expect(lookup?.credential).toBeNull();
    const [same] = await s.ensureConnections(
      [
        {
          organization_id: 'acme',
          provider_id: 'leen',
          external_org_id: 'o1',
          external_id: 'ext-1',
          kind: 'SNYK',
          new_id: 'cn_new',
        },
      ],
      'later',
    );
    expect(same?.id).toBe('cn_new');
    expect(await s.getCredential('cn_new')).toBeNull();

    await s.insertConnection(row('cn_2', 'ext-2'), null, event('ev_2', 'cn_2'));
    expect((await s.listEvents('acme', null, 10))?.map((e) => e.id)).toEqual(['ev_again', 'ev_2']);
    expect(await s.listEvents('acme', 'ev_1', 10)).toBeNull(); // an event of the earlier organization is not a position in this list
    expect((await s.listEvents('acme', 'ev_again', 10))?.map((e) => e.id)).toEqual(['ev_2']);
    await s.close();
    // Another process opening the database finds where the list starts by itself.
    const reopened = await backend.open(f);
    opened.push(reopened);
    expect((await reopened.listEvents('acme', null, 10))?.map((e) => e.id)).toEqual(['ev_again', 'ev_2']);
    await reopened.close();
  });

  it('creates and updates an organization with its event in one transaction; a taken id or a deleted organization writes nothing', async () => {
    const s = await withAcme();
    expect(await s.createOrganization({ ...org(), name: 'Twin' }, orgEvent('ev_twin'))).toBe(false);
    expect(
      await s.updateOrganization(
        { ...org(), name: 'Acme 2', updated_at: 'u' },
        orgEvent('ev_upd', 'organization.updated'),
      ),
    ).toBe(true);
    expect(await s.getOrganization('acme')).toMatchObject({ name: 'Acme 2', updated_at: 'u' });
    await expect(
      s.updateOrganization({ ...org(), name: 'Acme 3' }, orgEvent('ev_upd', 'organization.updated')),
    ).rejects.toThrow();
    expect((await s.getOrganization('acme'))?.name).toBe('Acme 2');
    expect(
      await s.updateOrganization(
        { ...org('ghost'), name: 'Ghost' },
        orgEvent('ev_ghost', 'organization.updated', 'ghost'),
      ),
    ).toBe(false);
    expect((await s.listEvents('acme', null, 10))?.map((e) => e.id)).toEqual(['ev_acme', 'ev_upd']);
    expect(await s.listEvents('ghost', null, 10)).toEqual([]);
    await s.close();
  });

  it('sets installation settings once (first writer wins)', async () => {
    const s = await fresh();
    expect(await s.getOrInitSetting('cursor_secret', () => 'a')).toBe('a');
    expect(await s.getOrInitSetting('cursor_secret', () => 'b')).toBe('a');
    await s.close();
  });

  it('transaction(cb): the calls on tx commit together, or none does when cb throws', async () => {
    const s = await withAcme();
    await s.transaction(async (tx) => {
      await tx.insertConnection(row('cn_1'), sealed('cn_1'), event('ev_1'));
      await tx.updateOrganization({ ...org(), name: 'In tx' }, orgEvent('ev_u', 'organization.updated'));
    });
    expect(await s.getConnection('cn_1')).toMatchObject({ id: 'cn_1' });
    expect((await s.getOrganization('acme'))?.name).toBe('In tx');
    await expect(
      s.transaction(async (tx) => {
        await tx.insertConnection(row('cn_2', 'ext-2'), sealed('cn_2'), event('ev_2', 'cn_2'));
        await tx.updateOrganization({ ...org(), name: 'Lost' }, orgEvent('ev_u2', 'organization.updated'));
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    expect(await s.getConnection('cn_2')).toBeNull();
    expect(await s.getCredential('cn_2')).toBeNull();
    expect((await s.getOrganization('acme'))?.name).toBe('In tx');
    expect((await s.listEvents('acme', null, 10))?.map((e) => e.id)).toEqual(['ev_acme', 'ev_1', 'ev_u']);
  });

  it('a key revoked on one replica is refused by another within 1 s, though the other had it in memory', async () => {
    const [a, b] = await twoReplicas();
    const key = {
      id: 'ak_r',
      name: 'r',
      organization_ids: ['acme'],
      scopes: ['connections:read'],
      key_hash: 'hr',
      created_at: 't',
      revoked_at: null,
    };
    await a.insertApiKey(key, null);
    expect(await b.getApiKeyByHash('hr')).toEqual(key);
    await a.revokeApiKey('ak_r', 'r', null);
    const revokedAt = performance.now();
    let askedAfter = Number.NaN;
    await vi.waitFor(
      async () => {
        const asked = performance.now();
        expect(await b.getApiKeyByHash('hr')).toMatchObject({ revoked_at: 'r' });
        askedAfter = asked - revokedAt;
      },
      { timeout: 2_000, interval: 5 },
    );
    expect(askedAfter).toBeLessThan(1_000);
  });

  it('two replicas adopting the same upstream connections at once mint one id each (insert on conflict with the live index)', async () => {
    const [a, b] = await twoReplicas();
    const cands = (tag: string) =>
      Array.from({ length: 10 }, (_, i) => ({
        organization_id: 'acme',
        provider_id: 'leen',
        external_org_id: 'o1',
        external_id: `up-${i}`,
        kind: 'SNYK',
        new_id: `cn_${tag}_${i}`,
      }));
    const lists = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a : b).ensureConnections(cands(`r${i}`), 't')),
    );
    const first = lists[0]?.map((r) => r.id);
    for (const l of lists) expect(l.map((r) => r.id)).toEqual(first);
    for (let i = 0; i < 10; i++)
      expect(await b.findLiveConnection('acme', 'leen', 'o1', `up-${i}`)).toMatchObject({ id: first?.[i] });
  });

  it('of concurrent claims of one idempotency key (two replicas), exactly one runs; the others see it running, then its answer', async () => {
    const [a, b] = await twoReplicas();
    const claim = { owner: 'admin', key: 'k1', fingerprint: 'f', created_at: '2026-01-01T00:00:00Z' };
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).claimIdempotencyKey(claim, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z'),
      ),
    );
    expect(results.filter((r) => r.claimed)).toHaveLength(1);
    for (const r of results) if (!r.claimed) expect(r.existing.answer).toBeNull();
    await a.completeIdempotencyKey('admin', 'k1', { status: 201, headers: { etag: '"x"' }, body: '{}' });
    const later = await b.claimIdempotencyKey(claim, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z');
    expect(later).toEqual({
      claimed: false,
      existing: { ...claim, answer: { status: 201, headers: { etag: '"x"' }, body: '{}' } },
    });
    // Expired: claimable again; released while running: claimable again.
    expect((await b.claimIdempotencyKey(claim, '2026-06-01T00:00:00Z', '2025-01-01T00:00:00Z')).claimed).toBe(
      true,
    );
    await a.releaseIdempotencyKey('admin', 'k1');
    expect((await a.claimIdempotencyKey(claim, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')).claimed).toBe(
      true,
    );
  });

  it('a create intent settles once: of concurrent completions (two replicas) one makes the connection with its sealed credentials', async () => {
    const [a, b] = await twoReplicas();
    await a.insertCreateIntent(intent('cn_i'));
    expect(
      (
        await b.pendingCreateIntents({ organization_id: 'acme', provider_id: 'leen', external_org_id: 'o1' })
      ).map((i) => i.id),
    ).toEqual(['cn_i']);
    const done = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 === 0 ? a : b).completeCreateIntent('cn_i', 'up-1', 'SNYK', { ...event(`ev_c${i}`, 'cn_i') }),
      ),
    );
    expect(done.filter(Boolean)).toHaveLength(1);
    expect(await a.getConnection('cn_i')).toMatchObject({ external_id: 'up-1', deleted_at: null });
    expect(await b.getCredential('cn_i')).toMatchObject({ key_id: 'k', ciphertext: Buffer.from('c') });
    expect(await a.pendingCreateIntents()).toEqual([]);
  });

  it('an intent whose upstream connection already has an id stays unsettled; a dropped one is gone', async () => {
    const s = await withAcme();
    await s.ensureConnections(
      [
        {
          organization_id: 'acme',
          provider_id: 'leen',
          external_org_id: 'o1',
          external_id: 'up-1',
          kind: 'SNYK',
          new_id: 'cn_listed',
        },
      ],
      't',
    );
    await s.insertCreateIntent(intent('cn_i'));
    expect(await s.completeCreateIntent('cn_i', 'up-1', 'SNYK', event('ev_c', 'cn_i'))).toBe(false);
    expect((await s.pendingCreateIntents()).map((i) => i.id)).toEqual(['cn_i']);
    expect(await s.getConnection('cn_i')).toBeNull();
    await s.dropCreateIntent('cn_i');
    expect(await s.pendingCreateIntents()).toEqual([]);
  });

  it('API keys: stored by hash, listed while in force, revoked once with its event', async () => {
    const s = await fresh();
    const key = {
      id: 'ak_1',
      name: 'ci',
      organization_ids: ['acme'],
      scopes: ['connections:read'],
      key_hash: 'h1',
      created_at: 't',
      revoked_at: null,
    };
    await s.insertApiKey(key, { ...orgEvent('ev_k', 'api_key.created', ''), api_key_id: 'ak_1' });
    expect(await s.getApiKeyByHash('h1')).toEqual(key);
    expect((await s.listApiKeys(null, 10)).map((k) => k.id)).toEqual(['ak_1']);
    expect(await s.revokeApiKey('ak_1', 'r', null)).toBe(true);
    expect(await s.revokeApiKey('ak_1', 'r2', null)).toBe(false);
    expect(await s.getApiKeyByHash('h1')).toMatchObject({ revoked_at: 'r' });
    expect(await s.listApiKeys(null, 10)).toEqual([]);
    expect((await s.listAllEvents(0, 10)).map((e) => [e.type, e.api_key_id])).toEqual([
      ['api_key.created', 'ak_1'],
    ]);
  });

  it("lookups kept in memory never hide this process's own writes: a revoked key, a deleted connection, new credentials, a renamed organization, a write in a transaction", async () => {
    const s = await withAcme();
    const key = {
      id: 'ak_m',
      name: 'm',
      organization_ids: ['acme'],
      scopes: ['connections:read'],
      key_hash: 'hm',
      created_at: 't',
      revoked_at: null,
    };
    await s.insertApiKey(key, null);
    expect(await s.getApiKeyByHash('hm')).toEqual(key);
    expect(await s.getApiKeyByHash('hm')).toEqual(key);
    await s.revokeApiKey('ak_m', 'r', null);
    expect(await s.getApiKeyByHash('hm')).toMatchObject({ revoked_at: 'r' });

    // An absent connection is not remembered: one made since is found at once.
    expect((await s.getConnectionWithOrganization('acme', 'cn_m'))?.connection).toBeNull();
    await s.insertConnection(row('cn_m', 'ext-m'), null, event('ev_m', 'cn_m'));
    const found = await s.getConnectionWithOrganization('acme', 'cn_m');
    expect(found?.connection?.id).toBe('cn_m');
    expect(found?.credential).toBeNull();
    // What was answered is shared by whoever asks next: nobody may change it.
    expect(() => {
      (found?.connection as { kind: string }).kind = 'changed';
    }).toThrow();
    await s.recordConnectionUpdate(sealed('cn_m'), event('ev_m2', 'cn_m'));
    expect((await s.getConnectionWithOrganization('acme', 'cn_m'))?.credential).toMatchObject({
      credential_type: 'api_key',
    });
    await s.updateOrganization({ ...org(), name: 'Renamed' }, orgEvent('ev_m3', 'organization.updated'));
    expect((await s.getConnectionWithOrganization('acme', 'cn_m'))?.organization.name).toBe('Renamed');
    await s.transaction(async (tx) => {
      await tx.markConnectionDeleted('cn_m', '2026-02-01T00:00:00Z', null);
    });
    expect((await s.getConnectionWithOrganization('acme', 'cn_m'))?.connection?.deleted_at).toBe(
      '2026-02-01T00:00:00Z',
    );
  });

  it('the connection lock runs one holder at a time, in order, and is free again after a throw', async () => {
    const s = await withAcme();
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        s.locks.run('cn_1', async () => {
          inside += 1;
          most = Math.max(most, inside);
          await new Promise((r) => setImmediate(r));
          order.push(i);
          inside -= 1;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    await expect(
      s.locks.run('cn_1', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await s.locks.run('cn_1', async () => 'free')).toBe('free');
  });

  it('a lookup by a value holding NUL finds nothing (PostgreSQL text cannot hold NUL; nothing stored has one)', async () => {
    const s = await withAcme();
    expect(await s.getOrganization('ac\u0000me')).toBeNull();
    expect(await s.getConnectionWithOrganization('acme', 'cn_\u0000')).toMatchObject({ connection: null });
    expect(await s.getConnectionWithOrganization('\u0000', 'cn_1')).toBeNull();
    expect(await s.listEvents('acme', 'ev_\u0000', 10)).toBeNull();
    expect(await s.revokeApiKey('key_\u0000', 't', null)).toBe(false);
  });

  it('connect sessions: found by their token hash only, completed once with their event, revoked only while pending, counted per minute, gone with their organization', async () => {
    const s = await withAcme();
    const session: ConnectSessionRow = {
      id: 'cs_1',
      organization_id: 'acme',
      token_hash: 'h1',
      end_user: { id: 'u', email: null, display_name: null },
      metadata: { plan: 'pro' },
      allowed: [{ provider: 'leen', kinds: null }],
      connection_id: null,
      return_url: 'https://app.example/done',
      flow: 'page',
      status: 'pending',
      result_connection_id: null,
      attempt_connection_id: null,
      error: null,
      actor: 'admin',
      created_at: '2026-01-01T00:00:00Z',
      expires_at: '2026-01-01T00:30:00Z',
      completed_at: null,
      revoked_at: null,
      provider_flow: null,
    };
    expect(await s.insertConnectSession(session)).toBe(true);
    expect(
      await s.insertConnectSession({ ...session, id: 'cs_9', token_hash: 'h9', organization_id: 'gone' }),
    ).toBe(false);
    expect(await s.insertConnectSession({ ...session, id: 'cs_2', token_hash: 'h2' })).toBe(true);
    expect(await s.getConnectSessionByTokenHash('h1')).toEqual(session);
    expect(await s.getConnectSessionByTokenHash('nope')).toBeNull();
    expect((await s.listConnectSessions('acme', null, 10)).map((r) => r.id)).toEqual(['cs_1', 'cs_2']);
    expect((await s.listConnectSessions('acme', 'cs_1', 10)).map((r) => r.id)).toEqual(['cs_2']);

    await s.setConnectSessionAttempt('cs_1', { connection_id: 'cn_9', error: { code: 'x', message: 'y' } });
    expect(await s.getConnectSession('cs_1')).toMatchObject({
      attempt_connection_id: 'cn_9',
      error: { code: 'x' },
    });
    // Ten in the window, the eleventh counts 11; a later window starts again at 1.
    const counts: number[] = [];
    for (let i = 0; i < 11; i++)
      counts.push(await s.countConnectSubmission('cs_1', '2026-01-01T00:00:10Z', '2025-12-31T23:59:10Z'));
    expect(counts).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(await s.countConnectSubmission('cs_1', '2026-01-01T00:01:11Z', '2026-01-01T00:00:11Z')).toBe(1);

    const done = { ...event('ev_cs', 'cn_1'), type: 'connect_session.completed' };
    expect(await s.completeConnectSession('cs_1', 'cn_1', '2026-01-01T00:02:00Z', done)).toBe(true);
    expect(
      await s.completeConnectSession('cs_1', 'cn_2', '2026-01-01T00:03:00Z', { ...done, id: 'ev_cs2' }),
    ).toBe(false);
    expect(await s.getConnectSession('cs_1')).toMatchObject({
      status: 'completed',
      result_connection_id: 'cn_1',
      attempt_connection_id: null,
      error: null,
    });
    expect((await s.listEvents('acme', null, 100))?.map((e) => e.id)).toContain('ev_cs');
    expect((await s.listEvents('acme', null, 100))?.map((e) => e.id)).not.toContain('ev_cs2');
    expect(await s.revokeConnectSession('cs_1', 't')).toBe(false);
    expect(await s.revokeConnectSession('cs_2', 't')).toBe(true);
    expect(await s.getConnectSession('cs_2')).toMatchObject({ status: 'revoked', revoked_at: 't' });

    expect(
      await s.deleteOrganization('acme', 't', {
        ...event('ev_del', 'cn_1'),
        connection_id: null,
        type: 'organization.deleted',
      }),
    ).toBe(true);
    expect(await s.getConnectSession('cs_2')).toBeNull();
  });

  it('a connection keeps who it was made for: the end user and metadata of its create intent, replaced by a reconnect', async () => {
    const s = await withAcme();
    const attribution = {
      end_user: { id: 'u', email: 'u@example.com', display_name: null },
      metadata: { a: 1 },
    };
    await s.insertCreateIntent({
      id: 'cn_a',
      organization_id: 'acme',
      provider_id: 'leen',
      external_org_id: 'o1',
      expected: {},
      changed: ['kind'],
      credential: null,
      actor: 'admin',
      request_id: null,
      idempotency: null,
      attribution,
      created_at: '2026-01-01T00:00:00Z',
    });
    expect((await s.pendingCreateIntents())[0]?.attribution).toEqual(attribution);
    expect(await s.completeCreateIntent('cn_a', 'ext-a', 'SNYK', event('ev_a', 'cn_a'))).toBe(true);
    expect(await s.getConnection('cn_a')).toMatchObject(attribution);
    const next = { end_user: { id: 'v', email: null, display_name: 'V' }, metadata: null };
    await s.setConnectionAttribution('cn_a', next);
    expect(await s.getConnection('cn_a')).toMatchObject(next);
    expect((await s.liveConnections('acme', 'leen', 'o1'))[0]).toMatchObject(next);
  });

  outboxConformance({ withAcme, twoReplicas, replicas: backend.replicas });
}
