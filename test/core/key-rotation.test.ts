import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rotateCredentials } from '../../src/core/connections/key-rotation.js';
import { keyIdOf, Sealer } from '../../src/core/crypto.js';
import type { SealedCredentialRow, Storage } from '../../src/core/storage.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';

/**
 * Key rotation over real SQLite files: what is re-sealed, what is left and reported, and that a
 * write made by a gateway (another connection to the same file) between a batch's read and its
 * update is never lost.
 */

const OLD = randomBytes(32);
const NEW = randomBytes(32);
const LOST = randomBytes(32);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dbFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pb-rotate-'));
  dirs.push(dir);
  return join(dir, 'db.sqlite');
}

const idOf = (i: number) => `cn_${String(i).padStart(3, '0')}`;

/** A connection with credentials `{ api_key: "value-<i>" }` sealed under `key`. */
async function seed(s: Storage, i: number, key: Buffer): Promise<void> {
  const id = idOf(i);
  if (!(await s.getOrganization('acme'))) {
    await s.createOrganization(
      { id: 'acme', name: 'Acme', links: {}, created_at: 't', updated_at: 't' },
      {
        id: 'ev_acme',
        type: 'organization.created',
        organization_id: 'acme',
        connection_id: null,
        actor: 'admin',
        changed: [],
        request_id: null,
        at: 't',
      },
    );
  }
  await s.insertConnection(
    {
      id,
      organization_id: 'acme',
      provider_id: 'versori',
      external_org_id: 'o',
      external_id: `e-${i}`,
      kind: 'app',
      created_at: 't',
      deleted_at: null,
    },
    sealedRow(id, new Sealer([key]), { api_key: `value-${i}` }),
    {
      id: `ev_${id}`,
      type: 'connection.created',
      organization_id: 'acme',
      connection_id: id,
      actor: 'admin',
      changed: [],
      request_id: null,
      at: 't',
    },
  );
}

function sealedRow(id: string, sealer: Sealer, value: unknown): SealedCredentialRow {
  const s = sealer.seal(value, { organizationId: 'acme', connectionId: id });
  return {
    connection_id: id,
    organization_id: 'acme',
    key_id: s.keyId,
    nonce: s.nonce,
    ciphertext: s.ciphertext,
    credential_type: 'api_key',
    updated_at: 'then',
  };
}

async function opened(s: Storage, sealer: Sealer, id: string): Promise<unknown> {
  const row = await s.getCredential(id);
  if (!row) return null;
  return sealer.open(
    { keyId: row.key_id, nonce: row.nonce, ciphertext: row.ciphertext },
    { organizationId: 'acme', connectionId: id },
  );
}

describe('key rotation', () => {
  it('re-seals every row under the current key in batches; the new key alone then opens them all, with their update time kept', async () => {
    const s = new SqliteStorage(dbFile());
    for (let i = 0; i < 23; i++) await seed(s, i, i % 5 === 0 ? NEW : OLD);
    const report = await rotateCredentials(s, new Sealer([NEW, OLD]), { batchSize: 4 });
    expect(report).toMatchObject({
      currentKeyId: keyIdOf(NEW),
      resealed: 18,
      changedMeanwhile: 0,
      unopenable: [],
    });
    expect(report.before).toEqual(
      new Map([
        [keyIdOf(NEW), 5],
        [keyIdOf(OLD), 18],
      ]),
    );
    expect(report.after).toEqual(new Map([[keyIdOf(NEW), 23]]));
    const newOnly = new Sealer([NEW]);
    for (let i = 0; i < 23; i++) expect(await opened(s, newOnly, idOf(i))).toEqual({ api_key: `value-${i}` });
    expect((await s.getCredential(idOf(1)))?.updated_at).toBe('then');
    await s.close();
  });

  it('a second run is a no-op: nothing is read for re-sealing, no row changes', async () => {
    const s = new SqliteStorage(dbFile());
    for (let i = 0; i < 5; i++) await seed(s, i, OLD);
    const sealer = new Sealer([NEW, OLD]);
    expect((await rotateCredentials(s, sealer)).resealed).toBe(5);
    const rows = await Promise.all([0, 1, 2, 3, 4].map((i) => s.getCredential(idOf(i))));
    const again = await rotateCredentials(s, sealer);
    expect(again).toMatchObject({ resealed: 0, changedMeanwhile: 0, unopenable: [] });
    expect(again.before).toEqual(again.after);
    expect(await Promise.all([0, 1, 2, 3, 4].map((i) => s.getCredential(idOf(i))))).toEqual(rows);
    await s.close();
  });

  it('a row under a key that is not configured is left as it is and reported by connection and key id; the others are re-sealed', async () => {
    const s = new SqliteStorage(dbFile());
    for (let i = 0; i < 3; i++) await seed(s, i, OLD);
    await seed(s, 3, LOST);
    const before = await s.getCredential(idOf(3));
    const report = await rotateCredentials(s, new Sealer([NEW, OLD]), { batchSize: 2 });
    expect(report.resealed).toBe(3);
    expect(report.unopenable).toEqual([
      {
        connectionId: idOf(3),
        organizationId: 'acme',
        keyId: keyIdOf(LOST),
        reason: 'unknown_key',
        detail: `Stored credentials of connection ${idOf(3)} are sealed with key id ${keyIdOf(LOST)}, which is not configured; add that key to encryption.previousKeys.`,
      },
    ]);
    expect(report.after).toEqual(
      new Map([
        [keyIdOf(NEW), 3],
        [keyIdOf(LOST), 1],
      ]),
    );
    expect(await s.getCredential(idOf(3))).toEqual(before);
    await s.close();
  });

  it('a row that fails its integrity check is reported, not re-sealed, and never stops the pass', async () => {
    const s = new SqliteStorage(dbFile());
    for (let i = 0; i < 3; i++) await seed(s, i, OLD);
    // Row 1's sealed value moved onto row 2: bound to another connection id, it does not open there.
    const moved = await s.getCredential(idOf(1));
    await s.recordConnectionUpdate(
      { ...(moved as SealedCredentialRow), connection_id: idOf(2) },
      {
        id: 'ev_moved',
        type: 'connection.updated',
        organization_id: 'acme',
        connection_id: idOf(2),
        actor: 'admin',
        changed: [],
        request_id: null,
        at: 't',
      },
    );
    const report = await rotateCredentials(s, new Sealer([NEW, OLD]));
    expect(report.resealed).toBe(2);
    expect(report.unopenable).toMatchObject([
      { connectionId: idOf(2), keyId: keyIdOf(OLD), reason: 'integrity' },
    ]);
    expect(report.unopenable[0]?.detail).toMatch(/integrity check/);
    await s.close();
  });

  it('--dry-run opens what it would re-seal and writes nothing', async () => {
    const s = new SqliteStorage(dbFile());
    for (let i = 0; i < 3; i++) await seed(s, i, OLD);
    await seed(s, 3, LOST);
    const report = await rotateCredentials(s, new Sealer([NEW, OLD]), { dryRun: true });
    expect(report).toMatchObject({ resealed: 3, changedMeanwhile: 0 });
    expect(report.unopenable.map((u) => u.connectionId)).toEqual([idOf(3)]);
    expect(report.after).toEqual(report.before);
    await s.close();
  });

  it('a gateway writing a row between the read and the update wins: its write is kept, the row is counted, nothing is lost', async () => {
    const file = dbFile();
    const rotation = new SqliteStorage(file);
    const gateway = new SqliteStorage(file);
    for (let i = 0; i < 4; i++) await seed(rotation, i, OLD);
    const sealer = new Sealer([NEW, OLD]);
    // The gateway (its own connection to the same file, as another process would be) replaces cn_001's
    // credentials after the pass has read the batch and before it writes it.
    const interleaved = new Proxy(rotation, {
      get(target, prop) {
        if (prop === 'resealCredentials') {
          return async (rows: Parameters<Storage['resealCredentials']>[0]) => {
            await gateway.recordConnectionUpdate(
              sealedRow(idOf(1), sealer, { api_key: 'written-meanwhile' }),
              {
                id: 'ev_meanwhile',
                type: 'connection.updated',
                organization_id: 'acme',
                connection_id: idOf(1),
                actor: 'admin',
                changed: ['credentials'],
                request_id: null,
                at: 't',
              },
            );
            return target.resealCredentials(rows);
          };
        }
        const v: unknown = Reflect.get(target, prop);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const report = await rotateCredentials(interleaved, sealer);
    expect(report).toMatchObject({ resealed: 3, changedMeanwhile: 1, unopenable: [] });
    expect(await opened(rotation, new Sealer([NEW]), idOf(1))).toEqual({ api_key: 'written-meanwhile' });
    for (const i of [0, 2, 3])
      expect(await opened(rotation, new Sealer([NEW]), idOf(i))).toEqual({ api_key: `value-${i}` });
    await gateway.close();
    await rotation.close();
  });
});
