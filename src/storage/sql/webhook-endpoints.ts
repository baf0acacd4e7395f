import type { Selectable } from 'kysely';
import type { SealedSecret, WebhookEndpointRow, WebhookStatus } from '../../core/storage.js';
import type { Tables } from './schema.js';
import { inTransaction, Rollback, type Session } from './session.js';

export async function insertWebhookEndpoint({ db }: Session, row: WebhookEndpointRow): Promise<void> {
  await db.insertInto('webhook_endpoints').values(toColumns(row)).execute();
}

export async function getWebhookEndpoint({ db }: Session, id: string): Promise<WebhookEndpointRow | null> {
  const r = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toEndpoint(r) : null;
}

export async function listWebhookEndpoints(
  { db }: Session,
  afterId: string | null,
  limit: number,
): Promise<WebhookEndpointRow[]> {
  let q = db.selectFrom('webhook_endpoints').selectAll().orderBy('id').limit(limit);
  if (afterId !== null) q = q.where('id', '>', afterId);
  return (await q.execute()).map(toEndpoint);
}

export async function updateWebhookEndpoint({ db }: Session, row: WebhookEndpointRow): Promise<boolean> {
  const { id, created_at: _created, ...rest } = toColumns(row);
  const r = await db.updateTable('webhook_endpoints').set(rest).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function resealWebhookSecrets(
  { db }: Session,
  id: string,
  nonce: Buffer,
  secret: SealedSecret,
  previous: SealedSecret | null,
): Promise<boolean> {
  const r = await db
    .updateTable('webhook_endpoints')
    .set({
      key_id: secret.key_id,
      nonce: secret.nonce,
      ciphertext: secret.ciphertext,
      previous_key_id: previous?.key_id ?? null,
      previous_nonce: previous?.nonce ?? null,
      previous_ciphertext: previous?.ciphertext ?? null,
      ...(previous === null ? { previous_expires_at: null } : {}),
    })
    .where('id', '=', id)
    .where('nonce', '=', nonce)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function deleteWebhookEndpoint(s: Session, id: string): Promise<boolean> {
  const done = await inTransaction(s, async (db) => {
    // Deliveries first, then the endpoint: the order an attempt's record takes its row locks in
    // (recordDeliveryAttempt), so a delete racing an attempt on PostgreSQL waits instead of deadlocking.
    await db
      .updateTable('webhook_deliveries')
      .set({ status: 'dropped', next_attempt_at: null, lease_owner: null, lease_until: null })
      .where('endpoint_id', '=', id)
      .where('status', '=', 'pending')
      .execute();
    const r = await db.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) !== 1) throw new Rollback();
    return true;
  });
  return done === true;
}

function toColumns(row: WebhookEndpointRow): Tables['webhook_endpoints'] {
  return {
    id: row.id,
    url: row.url,
    events: JSON.stringify(row.events),
    organization_ids: JSON.stringify(row.organization_ids),
    description: row.description,
    status: row.status,
    disabled_reason: row.disabled_reason,
    key_id: row.secret.key_id,
    nonce: row.secret.nonce,
    ciphertext: row.secret.ciphertext,
    previous_key_id: row.previous_secret?.key_id ?? null,
    previous_nonce: row.previous_secret?.nonce ?? null,
    previous_ciphertext: row.previous_secret?.ciphertext ?? null,
    previous_expires_at: row.previous_expires_at,
    failing_since: row.failing_since,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function toEndpoint(r: Selectable<Tables['webhook_endpoints']>): WebhookEndpointRow {
  const previous: SealedSecret | null =
    r.previous_key_id !== null && r.previous_nonce !== null && r.previous_ciphertext !== null
      ? {
          key_id: r.previous_key_id,
          nonce: Buffer.from(r.previous_nonce),
          ciphertext: Buffer.from(r.previous_ciphertext),
        }
      : null;
  return {
    id: r.id,
    url: r.url,
    events: JSON.parse(r.events) as string[],
    organization_ids: JSON.parse(r.organization_ids) as string[],
    description: r.description,
    status: r.status as WebhookStatus,
    disabled_reason: r.disabled_reason,
    secret: { key_id: r.key_id, nonce: Buffer.from(r.nonce), ciphertext: Buffer.from(r.ciphertext) },
    previous_secret: previous,
    previous_expires_at: r.previous_expires_at,
    failing_since: r.failing_since,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}
