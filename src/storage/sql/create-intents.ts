import type { Selectable } from 'kysely';
import type { CreateIntentRow, NewEvent } from '../../core/storage.js';
import { attributionValues, LIVE_UPSTREAM } from './connections.js';
import { putCredential } from './credentials.js';
import { insertEvent } from './events.js';
import { holdOrganization } from './organizations.js';
import type { Tables } from './schema.js';
import { inTransaction, Rollback, type Session } from './session.js';

export async function insertCreateIntent({ db }: Session, i: CreateIntentRow): Promise<void> {
  await db
    .insertInto('create_intents')
    .values({
      id: i.id,
      organization_id: i.organization_id,
      provider_id: i.provider_id,
      external_org_id: i.external_org_id,
      expected: JSON.stringify(i.expected),
      changed: JSON.stringify(i.changed),
      key_id: i.credential?.key_id ?? null,
      nonce: i.credential?.nonce ?? null,
      ciphertext: i.credential?.ciphertext ?? null,
      credential_type: i.credential?.credential_type ?? null,
      actor: i.actor,
      request_id: i.request_id,
      idempotency: i.idempotency,
      ...attributionValues(i.attribution),
      created_at: i.created_at,
    })
    .execute();
}

export async function completeCreateIntent(
  s: Session,
  intentId: string,
  externalId: string,
  kind: string,
  event: NewEvent,
): Promise<boolean> {
  return inTransaction(s, async (db) => {
    // Taking the intent is deleting it: of two replicas settling one intent, one deletes it, the other finds none.
    const i = await db
      .deleteFrom('create_intents')
      .where('id', '=', intentId)
      .returningAll()
      .executeTakeFirst();
    // Gone: adopted meanwhile, dropped, or its organization was deleted (which drops its intents).
    if (!i || !(await holdOrganization(db, s.dialect, i.organization_id))) throw new Rollback();
    const inserted = await db
      .insertInto('connections')
      .values({
        id: i.id,
        organization_id: i.organization_id,
        provider_id: i.provider_id,
        external_org_id: i.external_org_id,
        external_id: externalId,
        kind,
        created_at: event.at,
        deleted_at: null,
        end_user: i.end_user,
        metadata: i.metadata,
      })
      .onConflict((oc) => oc.columns(LIVE_UPSTREAM).where('deleted_at', 'is', null).doNothing())
      .executeTakeFirst();
    // Its upstream connection has an id already (adopted by a list): the intent stays for that list's settling.
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) throw new Rollback();
    if (i.key_id !== null && i.nonce !== null && i.ciphertext !== null) {
      await putCredential(db, {
        connection_id: i.id,
        organization_id: i.organization_id,
        key_id: i.key_id,
        nonce: i.nonce,
        ciphertext: i.ciphertext,
        credential_type: i.credential_type,
        updated_at: event.at,
      });
    }
    await insertEvent(db, event);
    return true;
  });
}

export async function dropCreateIntent({ db }: Session, intentId: string): Promise<void> {
  await db.deleteFrom('create_intents').where('id', '=', intentId).execute();
}

export async function pendingCreateIntents(
  { db }: Session,
  scope?: { organization_id: string; provider_id: string; external_org_id: string },
): Promise<CreateIntentRow[]> {
  let q = db.selectFrom('create_intents').selectAll();
  if (scope) {
    q = q
      .where('organization_id', '=', scope.organization_id)
      .where('provider_id', '=', scope.provider_id)
      .where('external_org_id', '=', scope.external_org_id);
  }
  return (await q.orderBy('created_at').orderBy('id').execute()).map(toIntent);
}

function toIntent(r: Selectable<Tables['create_intents']>): CreateIntentRow {
  const { key_id, nonce, ciphertext, credential_type, expected, changed, end_user, metadata, ...rest } = r;
  return {
    ...rest,
    attribution:
      end_user === null
        ? null
        : {
            end_user: JSON.parse(end_user) as NonNullable<CreateIntentRow['attribution']>['end_user'],
            metadata: metadata === null ? null : (JSON.parse(metadata) as Record<string, unknown>),
          },
    expected: JSON.parse(expected) as CreateIntentRow['expected'],
    changed: JSON.parse(changed) as string[],
    credential:
      key_id !== null && nonce !== null && ciphertext !== null
        ? { key_id, nonce, ciphertext, credential_type, updated_at: r.created_at }
        : null,
  };
}
