import type { Selectable } from 'kysely';
import type { EventRow, NewEvent } from '../../core/storage.js';
import type { Tables } from './schema.js';
import type { Db, Session } from './session.js';

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

/** Records an event; every write of the other aggregates records its event with it, in its transaction. */
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
    })
    .execute();
}

function toEvent({ api_key_id: keyId, seq, ...r }: Selectable<Tables['events']>): EventRow {
  return {
    ...r,
    seq: Number(seq),
    ...(keyId ? { api_key_id: keyId } : {}),
    changed: JSON.parse(r.changed) as string[],
  };
}
