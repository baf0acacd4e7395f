import type { CredentialMeta, ResealedCredential, SealedCredentialRow } from '../../core/storage.js';
import { ARG, Prepared } from './prepared.js';
import { inTransaction, type Db, type Session } from './session.js';

const GET_CREDENTIAL = new Prepared((db) =>
  db.selectFrom('credentials').selectAll().where('connection_id', '=', ARG[0]),
);

export async function getCredential(s: Session, connectionId: string): Promise<SealedCredentialRow | null> {
  return (await GET_CREDENTIAL.run(s, [connectionId]))[0] ?? null;
}

export async function credentialMeta(
  { db }: Session,
  connectionIds: string[],
): Promise<Map<string, CredentialMeta>> {
  const out = new Map<string, CredentialMeta>();
  if (connectionIds.length === 0) return out;
  const rows = await db
    .selectFrom('credentials')
    .select(['connection_id', 'credential_type', 'updated_at'])
    .where('connection_id', 'in', connectionIds)
    .execute();
  for (const r of rows) out.set(r.connection_id, r);
  return out;
}

export async function credentialsSealedWithOtherKeys(
  { db }: Session,
  keyId: string,
  afterConnectionId: string | null,
  limit: number,
): Promise<SealedCredentialRow[]> {
  return db
    .selectFrom('credentials')
    .selectAll()
    .where('key_id', '<>', keyId)
    .where('connection_id', '>', afterConnectionId ?? '')
    .orderBy('connection_id')
    .limit(limit)
    .execute();
}

export async function resealCredentials(s: Session, rows: ResealedCredential[]): Promise<number> {
  const n = await inTransaction(s, async (db) => {
    let replaced = 0;
    for (const r of rows) {
      const u = await db
        .updateTable('credentials')
        .set({ key_id: r.key_id, nonce: r.nonce, ciphertext: r.ciphertext })
        .where('connection_id', '=', r.connection_id)
        .where('key_id', '=', r.from.key_id)
        .where('nonce', '=', r.from.nonce)
        .executeTakeFirst();
      replaced += Number(u.numUpdatedRows);
    }
    return replaced;
  });
  return n === false ? 0 : n;
}

export async function countCredentialsByKey({ db }: Session): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('credentials')
    .select((eb) => ['key_id', eb.fn.countAll<number | string>().as('n')])
    .groupBy('key_id')
    .orderBy('key_id')
    .execute();
  return new Map(rows.map((r) => [r.key_id, Number(r.n)]));
}

/** Stores a connection's sealed credentials, only for a live connection: a change that was under way while its organization was deleted stores nothing. */
export async function putCredential(db: Db, c: SealedCredentialRow): Promise<void> {
  await db
    .insertInto('credentials')
    .columns([
      'connection_id',
      'organization_id',
      'key_id',
      'nonce',
      'ciphertext',
      'credential_type',
      'updated_at',
    ])
    .expression(
      db
        .selectNoFrom((eb) => [
          eb.val(c.connection_id).as('connection_id'),
          eb.val(c.organization_id).as('organization_id'),
          eb.val(c.key_id).as('key_id'),
          eb.val(c.nonce).as('nonce'),
          eb.val(c.ciphertext).as('ciphertext'),
          eb.val(c.credential_type).as('credential_type'),
          eb.val(c.updated_at).as('updated_at'),
        ])
        .where((eb) =>
          eb.exists(
            db
              .selectFrom('connections')
              .select('id')
              .where('id', '=', c.connection_id)
              .where('deleted_at', 'is', null),
          ),
        ),
    )
    .onConflict((oc) =>
      oc.column('connection_id').doUpdateSet((eb) => ({
        organization_id: eb.ref('excluded.organization_id'),
        key_id: eb.ref('excluded.key_id'),
        nonce: eb.ref('excluded.nonce'),
        ciphertext: eb.ref('excluded.ciphertext'),
        credential_type: eb.ref('excluded.credential_type'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}
