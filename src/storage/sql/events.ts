import type { Selectable } from 'kysely';
import type { Connection } from '../../core/connection.js';
import type { EventRow, NewEvent } from '../../core/storage.js';
import { newId } from '../../core/ids.js';
import type { Tables } from './schema.js';
import { inTransaction, type Db, type Session } from './session.js';
import { writeSnapshot } from './snapshots.js';
import { snapshotOf } from '../../core/snapshot.js';
import { matchesEndpoint } from '../../core/event-match.js';

export async function listAllEvents({ db }: Session, afterSeq: number, limit: number): Promise<EventRow[]> {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(toEvent);
}

export async function listEvents(
  { db }: Session,
  organizationId: string,
  afterId: string | null,
  limit: number,
): Promise<EventRow[] | null> {
  // The organization's current life starts at its latest organization.created (0: one made before
  // organizations had events). Read each time: another replica may have deleted and re-created it.
  const start = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('organization_id', '=', organizationId)
    .where('type', '=', 'organization.created')
    .executeTakeFirst();
  const from = Number(start?.seq ?? 0);
  let afterSeq = from - 1;
  if (afterId !== null) {
    const r = await db
      .selectFrom('events')
      .select('seq')
      .where('id', '=', afterId)
      .where('organization_id', '=', organizationId)
      .executeTakeFirst();
    if (r === undefined || Number(r.seq) < from) return null;
    afterSeq = Number(r.seq);
  }
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(toEvent);
}

export async function recordEvents(s: Session, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await inTransaction(s, async (db) => {
    for (const e of events) await insertEvent(db, e);
  });
}

/**
 * Records an event; every write of the other aggregates records its event with it, in its
 * transaction. This is the outbox: the event's deliveries are written here too (one per enabled
 * endpoint it matches), and a connection it carries becomes that connection's snapshot, so a
 * change the gateway made never looks to the monitor like one made at the provider.
 */
export async function insertEvent(db: Db, e: NewEvent): Promise<void> {
  await db
    .insertInto('events')
    .values({
      id: e.id,
      type: e.type,
      organization_id: e.organization_id,
      connection_id: e.connection_id,
      api_key_id: e.api_key_id ?? null,
      actor: e.actor,
      changed: JSON.stringify(e.changed),
      request_id: e.request_id,
      at: e.at,
      data: e.data === undefined ? null : JSON.stringify(e.data),
      connection: e.connection === undefined ? null : JSON.stringify(e.connection),
    })
    .execute();
  if (e.connection) await writeSnapshot(db, e.connection.id, snapshotOf(e.connection), e.at);
  await enqueueDeliveries(db, e);
}

/** One pending delivery, due now, per enabled endpoint the event matches (or only `deliver_to`). */
async function enqueueDeliveries(db: Db, e: NewEvent): Promise<void> {
  let q = db
    .selectFrom('webhook_endpoints')
    .select(['id', 'events', 'organization_ids'])
    .where('status', '=', 'enabled');
  if (e.deliver_to !== undefined) q = q.where('id', '=', e.deliver_to.endpoint_id);
  const endpoints = await q.execute();
  const matching =
    e.deliver_to !== undefined
      ? endpoints
      : endpoints.filter((ep) =>
          matchesEndpoint(JSON.parse(ep.events) as string[], JSON.parse(ep.organization_ids) as string[], e),
        );
  if (matching.length === 0) return;
  // Delivery times compare as text: always the full ISO form, milliseconds included.
  const at = new Date(e.at).toISOString();
  await db
    .insertInto('webhook_deliveries')
    .values(
      matching.map((ep) => ({
        endpoint_id: ep.id,
        event_id: e.id,
        event_type: e.type,
        status: 'pending',
        attempts: 0,
        id: e.deliver_to?.delivery_id ?? newId('dl'),
        next_attempt_at: at,
        lease_owner: null,
        lease_until: null,
        last_attempt_at: null,
        last_status_code: null,
        last_error: null,
        last_duration_ms: null,
        created_at: at,
        delivered_at: null,
      })),
    )
    .execute();
}

export function toEvent({
  api_key_id: keyId,
  seq,
  data,
  connection,
  ...r
}: Selectable<Tables['events']>): EventRow {
  return {
    ...r,
    seq: Number(seq),
    ...(keyId ? { api_key_id: keyId } : {}),
    changed: JSON.parse(r.changed) as string[],
    ...(data === null ? {} : { data: JSON.parse(data) as Record<string, unknown> }),
    ...(connection === null ? {} : { connection: JSON.parse(connection) as Connection | null }),
  };
}
