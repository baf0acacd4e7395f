import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SQLITE_MIGRATIONS } from '../../src/storage/migrations/sqlite.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import type { ConnectionRow, NewEvent } from '../../src/storage/storage.js';

const file = () => join(mkdtempSync(join(tmpdir(), 'pb-sqlite-')), 'db.sqlite');
const row = (id: string, ext = 'ext-1'): ConnectionRow => ({ id, organization_id: 'acme', provider_id: 'leen', external_org_id: 'o1',
  external_id: ext, kind: 'SNYK', created_at: '2026-01-01T00:00:00Z', deleted_at: null });
const event = (id: string, connection_id = 'cn_1'): NewEvent => ({ id, type: 'connection.created', organization_id: 'acme', connection_id,
  actor: 'admin', changed: ['name'], request_id: 'r', at: '2026-01-01T00:00:00Z' });
const sealed = (connection_id: string) => ({ connection_id, organization_id: 'acme', key_id: 'k', nonce: Buffer.alloc(12, 1),
  ciphertext: Buffer.from('x'), credential_type: 'api_key', updated_at: '2026-01-01T00:00:00Z' });

describe('SQLite storage', () => {
  it('applies versioned migrations once and reopens an existing file', async () => {
    const f = file();
    await new SqliteStorage(f).close();
    const s = new SqliteStorage(f);
    await s.ping();
    await s.close();
    const versions = new Database(f).prepare('SELECT version FROM schema_migrations').pluck().all();
    expect(versions).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
  });

  it('writes a connection, its credentials and its event in one transaction: a failure leaves no half row', async () => {
    const s = new SqliteStorage(file());
    await s.insertConnection(row('cn_1'), sealed('cn_1'), event('ev_1'));
    // Same event id again: the event insert fails after the connection and credential inserts ran.
    await expect(s.insertConnection(row('cn_2', 'ext-2'), sealed('cn_2'), event('ev_1', 'cn_2'))).rejects.toThrow();
    expect(await s.getConnection('cn_2')).toBeNull();
    expect(await s.getCredential('cn_2')).toBeNull();
    expect(await s.getConnection('cn_1')).toMatchObject({ id: 'cn_1' });
    await s.close();
  });

  it('keeps tombstoned ids: a new upstream connection with the same identity gets a new id', async () => {
    const s = new SqliteStorage(file());
    const cand = { organization_id: 'acme', provider_id: 'leen', external_org_id: 'o1', external_id: 'same', kind: 'SNYK' };
    const [first] = await s.ensureConnections([{ ...cand, new_id: 'cn_first' }], 't');
    const [again] = await s.ensureConnections([{ ...cand, new_id: 'cn_other' }], 't');
    expect(again?.id).toBe(first?.id);
    await s.markConnectionDeleted('cn_first', 't2', null);
    const [after] = await s.ensureConnections([{ ...cand, new_id: 'cn_second' }], 't3');
    expect(after?.id).toBe('cn_second');
    expect(await s.getConnection('cn_first')).toMatchObject({ deleted_at: 't2' });
    await s.close();
  });

  it('finds an organization, one of its connections and its credential facts in one lookup; another organization\'s connection is not found', async () => {
    const s = new SqliteStorage(file());
    const org = { id: 'acme', name: 'Acme', links: { leen: 'o1' }, created_at: 't', updated_at: 't' };
    await s.createOrganization(org);
    await s.createOrganization({ ...org, id: 'other', links: {} });
    await s.insertConnection(row('cn_1'), sealed('cn_1'), event('ev_1'));
    await s.insertConnection(row('cn_2', 'ext-2'), null, event('ev_2'));
    const credential = { connection_id: 'cn_1', credential_type: 'api_key', updated_at: '2026-01-01T00:00:00Z' };
    expect(await s.getConnectionWithOrganization('acme', 'cn_1')).toEqual({ organization: org, connection: row('cn_1'), credential });
    expect(await s.getConnectionWithOrganization('acme', 'cn_2')).toEqual({ organization: org, connection: row('cn_2', 'ext-2'), credential: null });
    expect(await s.getConnectionWithOrganization('acme', 'cn_nope')).toEqual({ organization: org, connection: null, credential: null });
    expect(await s.getConnectionWithOrganization('other', 'cn_1')).toEqual({ organization: { ...org, id: 'other', links: {} }, connection: null, credential: null });
    expect(await s.getConnectionWithOrganization('ghost', 'cn_1')).toBeNull();
    await s.close();
  });

  it('deleting a connection drops its credentials', async () => {
    const s = new SqliteStorage(file());
    await s.insertConnection(row('cn_1'), sealed('cn_1'), event('ev_1'));
    expect((await s.credentialMeta(['cn_1'])).get('cn_1')).toMatchObject({ credential_type: 'api_key' });
    await s.markConnectionDeleted('cn_1', 't', event('ev_2'));
    expect(await s.getCredential('cn_1')).toBeNull();
    expect((await s.listEvents('acme', null, 10))?.map((e) => e.id)).toEqual(['ev_1', 'ev_2']);
    expect(await s.listEvents('acme', 'ev_1', 10)).toHaveLength(1);
    expect(await s.listEvents('acme', 'ev_unknown', 10)).toBeNull();
    await s.close();
  });

  it('key rotation: pages rows under other keys by connection id, re-seals by compare-and-swap, counts rows per key id', async () => {
    const s = new SqliteStorage(file());
    const under = (id: string, key_id: string) => ({ ...sealed(id), key_id, nonce: Buffer.from(`${id}-nonce`) });
    for (const [id, key] of [['cn_1', 'old'], ['cn_2', 'new'], ['cn_3', 'old'], ['cn_4', 'older']] as const) {
      await s.insertConnection(row(id, `ext-${id}`), under(id, key), event(`ev_${id}`, id));
    }
    expect(await s.countCredentialsByKey()).toEqual(new Map([['new', 1], ['old', 2], ['older', 1]]));
    expect((await s.credentialsSealedWithOtherKeys('new', null, 2)).map((r) => r.connection_id)).toEqual(['cn_1', 'cn_3']);
    expect((await s.credentialsSealedWithOtherKeys('new', 'cn_3', 2)).map((r) => r.connection_id)).toEqual(['cn_4']);

    const next = (id: string, from: { key_id: string; nonce: Buffer }) => ({ connection_id: id, from, key_id: 'new', nonce: Buffer.from(`${id}-n2`), ciphertext: Buffer.from('y') });
    // cn_3 was rewritten meanwhile (another nonce): its update does not apply; cn_9 does not exist.
    await s.recordConnectionUpdate({ ...under('cn_3', 'old'), nonce: Buffer.from('rewritten') }, event('ev_x', 'cn_3'));
    const n = await s.resealCredentials([next('cn_1', { key_id: 'old', nonce: Buffer.from('cn_1-nonce') }), next('cn_3', { key_id: 'old', nonce: Buffer.from('cn_3-nonce') }),
      next('cn_9', { key_id: 'old', nonce: Buffer.from('x') })]);
    expect(n).toBe(1);
    expect(await s.getCredential('cn_1')).toMatchObject({ key_id: 'new', nonce: Buffer.from('cn_1-n2'), ciphertext: Buffer.from('y'), updated_at: '2026-01-01T00:00:00Z', credential_type: 'api_key' });
    expect(await s.getCredential('cn_3')).toMatchObject({ key_id: 'old', nonce: Buffer.from('rewritten') });
    expect(await s.countCredentialsByKey()).toEqual(new Map([['new', 2], ['old', 1], ['older', 1]]));
    await s.close();
  });

  it('a tool may refuse to create a database that is not there', async () => {
    const f = file();
    expect(() => new SqliteStorage(f, { mustExist: true })).toThrow(/no SQLite database at/);
    await new SqliteStorage(f).close();
    await new SqliteStorage(f, { mustExist: true }).close();
  });

  it('sets installation settings once (first writer wins)', async () => {
    const s = new SqliteStorage(file());
    expect(await s.getOrInitSetting('cursor_secret', () => 'a')).toBe('a');
    expect(await s.getOrInitSetting('cursor_secret', () => 'b')).toBe('a');
    await s.close();
  });
});
