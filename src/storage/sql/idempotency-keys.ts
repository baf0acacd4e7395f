import type { IdempotencyClaim, IdempotencyRecord, IdempotentAnswer } from '../../core/storage.js';
import { inTransaction, type Session } from './session.js';

export async function claimIdempotencyKey(
  s: Session,
  c: IdempotencyClaim,
  expiredBefore: string,
  abandonedBefore: string,
): Promise<{ claimed: true } | { claimed: false; existing: IdempotencyRecord }> {
  const r = await inTransaction(s, async (db) => {
    await db
      .deleteFrom('idempotency_keys')
      .where('owner', '=', c.owner)
      .where('key', '=', c.key)
      .where((eb) =>
        eb.or([
          eb('created_at', '<', expiredBefore),
          eb.and([eb('status', 'is', null), eb('created_at', '<', abandonedBefore)]),
        ]),
      )
      .execute();
    // Of concurrent claims (also from other replicas), the unique key lets exactly one insert. The
    // record that stopped this insert may be released (its request failed) before the read below
    // (PostgreSQL, read committed: each statement sees what was committed when it began); the key
    // is free again then, so the claim is tried again.
    for (let attempt = 1; ; attempt++) {
      const inserted = await db
        .insertInto('idempotency_keys')
        .values({
          owner: c.owner,
          key: c.key,
          fingerprint: c.fingerprint,
          created_at: c.created_at,
          status: null,
          headers: null,
          body: null,
        })
        .onConflict((oc) => oc.columns(['owner', 'key']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return { claimed: true as const };
      const row = await db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('owner', '=', c.owner)
        .where('key', '=', c.key)
        .executeTakeFirst();
      if (row) {
        return {
          claimed: false as const,
          existing: {
            owner: row.owner,
            key: row.key,
            fingerprint: row.fingerprint,
            created_at: row.created_at,
            answer:
              row.status === null
                ? null
                : {
                    status: row.status,
                    headers: JSON.parse(row.headers ?? '{}') as Record<string, string>,
                    body: row.body ?? '',
                  },
          },
        };
      }
      if (attempt >= 10)
        throw new Error(
          'idempotency key claimed and released 10 times in a row while this request tried to claim it',
        );
    }
  });
  if (r === false) throw new Error('unreachable: an idempotency claim never rolls back');
  return r;
}

export async function completeIdempotencyKey(
  { db }: Session,
  owner: string,
  key: string,
  a: IdempotentAnswer,
): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ status: a.status, headers: JSON.stringify(a.headers), body: a.body })
    .where('owner', '=', owner)
    .where('key', '=', key)
    .execute();
}

export async function releaseIdempotencyKey({ db }: Session, owner: string, key: string): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where('owner', '=', owner)
    .where('key', '=', key)
    .where('status', 'is', null)
    .execute();
}
