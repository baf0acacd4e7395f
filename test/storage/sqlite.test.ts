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
const orgEvent = (id: string, type = 'organization.created', organization_id = 'acme'): NewEvent => ({ id, type, organization_id, connection_id: null,
  actor: 'admin', changed: [], request_id: 'r', at: '2026-01-01T00:00:00Z' });
const org = (id = 'acme') => ({ id, name: 'Acme', links: { leen: 'o1' }, created_at: 't', updated_at: 't' });
/** Storage on a fresh file with organization `acme`. */
async function withAcme(): Promise<SqliteStorage> {
  const s = new SqliteStorage(file());
  await s.createOrganization(org(), orgEvent('ev_acme'));
  return s;
}
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
    const s = await withAcme();
    await s.insertConnection(row('cn_1'), sealed('cn_1'), event('ev_1'));
    // Same event id again: the event insert fails after the connection and credential inserts ran.
    await expect(s.insertConnection(row('cn_2', 'ext-2'), sealed('cn_2'), event('ev_1', 'cn_2'))).rejects.toThrow();
    expect(await s.getConnection('cn_2')).toBeNull();
    expect(await s.getCredential('cn_2')).toBeNull();
    expect(await s.getConnection('cn_1')).toMatchObject({ id: 'cn_1' });
    await s.close();
  });

  it('keeps tombstoned ids: a new upstream connection with the same identity gets a new id', async () => {
    const s = await withAcme();
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
    await s.createOrganization(org, orgEvent('ev_o1'));
    await s.createOrganization({ ...org, id: 'other', links: {} }, orgEvent('ev_o2', 'organization.created', 'other'));
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

  it('deletes an organization in one transaction: its credentials go, its live connections are tombstoned, the event is recorded; nothing of another organization is touched', async () => {
    const f = file();
    const s = new SqliteStorage(f);
    await s.createOrganization(org(), orgEvent('ev_acme'));
    await s.createOrganization(org('other'), orgEvent('ev_other', 'organization.created', 'other'));
    await s.insertConnection(row('cn_1'), sealed('cn_1'), event('ev_1'));
    await s.insertConnection(row('cn_2', 'ext-2'), null, event('ev_2', 'cn_2'));
    await s.insertConnection(row('cn_3', 'ext-3'), sealed('cn_3'), event('ev_3', 'cn_3'));
    await s.markConnectionDeleted('cn_3', 'before', null);
    await s.insertConnection({ ...row('cn_9', 'ext-9'), organization_id: 'other' }, { ...sealed('cn_9'), organization_id: 'other' }, { ...event('ev_9', 'cn_9'), organization_id: 'other' });

    // A failure in the middle (an event id that exists) leaves everything as it was.
    await expect(s.deleteOrganization('acme', 'now', orgEvent('ev_1', 'organization.deleted'))).rejects.toThrow();
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
    expect(await s.deleteOrganization('acme', 'later', orgEvent('ev_del2', 'organization.deleted'))).toBe(false);
    const raw = new Database(f, { readonly: true });
    expect(raw.prepare("SELECT id FROM events WHERE organization_id = 'acme' ORDER BY seq").pluck().all()).toEqual(['ev_acme', 'ev_1', 'ev_2', 'ev_3', 'ev_del']);
    expect(raw.prepare('SELECT COUNT(*) FROM credentials').pluck().get()).toBe(1);
    raw.close();
    await s.close();
  });

  it('writes under way while their organization is deleted keep nothing: no connection row, no sealed credentials, no adopted id', async () => {
    const s = await withAcme();
    await s.insertConnection(row('cn_1'), sealed('cn_1'), event('ev_1'));
    await s.deleteOrganization('acme', 'now', orgEvent('ev_del', 'organization.deleted'));
    // A create whose upstream call ended after the deletion.
    expect(await s.insertConnection(row('cn_late', 'ext-late'), sealed('cn_late'), event('ev_late', 'cn_late'))).toBe(false);
    expect(await s.getConnection('cn_late')).toBeNull();
    expect(await s.getCredential('cn_late')).toBeNull();
    // A credentials change whose upstream call ended after the deletion.
    await s.recordConnectionUpdate(sealed('cn_1'), event('ev_upd', 'cn_1'));
    expect(await s.getCredential('cn_1')).toBeNull();
    // A list that adopted an upstream connection after the deletion.
    const [adopted] = await s.ensureConnections([{ organization_id: 'acme', provider_id: 'leen', external_org_id: 'o1', external_id: 'ext-new', kind: 'SNYK', new_id: 'cn_adopted' }], 'now');
    expect(adopted?.id).toBe('cn_adopted');
    expect(await s.getConnection('cn_adopted')).toBeNull();
    await s.close();
  });

  it('an organization made again with a deleted one\'s id starts afresh: no old connection, credential or event is found', async () => {
    const f = file();
    const s = new SqliteStorage(f);
    await s.createOrganization(org(), orgEvent('ev_acme'));
    await s.insertConnection(row('cn_1'), sealed('cn_1'), event('ev_1'));
    await s.deleteOrganization('acme', 'now', orgEvent('ev_del', 'organization.deleted'));
    expect(await s.createOrganization(org(), orgEvent('ev_again'))).toBe(true);

    const lookup = await s.getConnectionWithOrganization('acme', 'cn_1');
    expect(lookup?.connection?.deleted_at).toBe('now'); // a tombstone: the connection routes answer 404
    expect(lookup?.credential).toBeNull();
    const [same] = await s.ensureConnections([{ organization_id: 'acme', provider_id: 'leen', external_org_id: 'o1', external_id: 'ext-1', kind: 'SNYK', new_id: 'cn_new' }], 'later');
    expect(same?.id).toBe('cn_new');
    expect(await s.getCredential('cn_new')).toBeNull();

    await s.insertConnection(row('cn_2', 'ext-2'), null, event('ev_2', 'cn_2'));
    expect((await s.listEvents('acme', null, 10))?.map((e) => e.id)).toEqual(['ev_again', 'ev_2']);
    expect(await s.listEvents('acme', 'ev_1', 10)).toBeNull(); // an event of the earlier organization is not a position in this list
    expect((await s.listEvents('acme', 'ev_again', 10))?.map((e) => e.id)).toEqual(['ev_2']);
    await s.close();
    // Another process opening the file finds where the list starts by itself.
    const reopened = new SqliteStorage(f);
    expect((await reopened.listEvents('acme', null, 10))?.map((e) => e.id)).toEqual(['ev_again', 'ev_2']);
    await reopened.close();
  });

  it('creates and updates an organization with its event in one transaction; a taken id or a deleted organization writes nothing', async () => {
    const s = await withAcme();
    expect(await s.createOrganization({ ...org(), name: 'Twin' }, orgEvent('ev_twin'))).toBe(false);
    expect(await s.updateOrganization({ ...org(), name: 'Acme 2', updated_at: 'u' }, orgEvent('ev_upd', 'organization.updated'))).toBe(true);
    expect(await s.getOrganization('acme')).toMatchObject({ name: 'Acme 2', updated_at: 'u' });
    await expect(s.updateOrganization({ ...org(), name: 'Acme 3' }, orgEvent('ev_upd', 'organization.updated'))).rejects.toThrow();
    expect((await s.getOrganization('acme'))?.name).toBe('Acme 2');
    expect(await s.updateOrganization({ ...org('ghost'), name: 'Ghost' }, orgEvent('ev_ghost', 'organization.updated', 'ghost'))).toBe(false);
    expect((await s.listEvents('acme', null, 10))?.map((e) => e.id)).toEqual(['ev_acme', 'ev_upd']);
    expect(await s.listEvents('ghost', null, 10)).toEqual([]);
    await s.close();
  });

  it('sets installation settings once (first writer wins)', async () => {
    const s = new SqliteStorage(file());
    expect(await s.getOrInitSetting('cursor_secret', () => 'a')).toBe('a');
    expect(await s.getOrInitSetting('cursor_secret', () => 'b')).toBe('a');
    await s.close();
  });
});
