import type { Selectable } from 'kysely';
import type { NewEvent, OrganizationRow } from '../../core/storage.js';
import { insertEvent } from './events.js';
import { ARG, Prepared } from './prepared.js';
import type { Tables } from './schema.js';
import { inTransaction, type Db, type Dialect, type Session } from './session.js';

const GET_ORGANIZATION = new Prepared((db) =>
  db.selectFrom('organizations').selectAll().where('id', '=', ARG[0]),
);

export async function createOrganization(
  s: Session,
  row: OrganizationRow,
  event: NewEvent,
): Promise<boolean> {
  return inTransaction(s, async (db) => {
    const r = await db
      .insertInto('organizations')
      .values({ ...row, links: JSON.stringify(row.links) })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    if (Number(r.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
    await insertEvent(db, event);
    return true;
  });
}

export async function getOrganization(s: Session, id: string): Promise<OrganizationRow | null> {
  const [r] = await GET_ORGANIZATION.run(s, [id]);
  return r ? toOrg(r) : null;
}

export async function listOrganizations(
  { db }: Session,
  afterId: string | null,
  limit: number,
): Promise<OrganizationRow[]> {
  const rows = await db
    .selectFrom('organizations')
    .selectAll()
    .where('id', '>', afterId ?? '')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toOrg);
}

export async function updateOrganization(
  s: Session,
  row: OrganizationRow,
  event: NewEvent,
): Promise<boolean> {
  return inTransaction(s, async (db) => {
    const r = await db
      .updateTable('organizations')
      .set({ name: row.name, links: JSON.stringify(row.links), updated_at: row.updated_at })
      .where('id', '=', row.id)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return false;
    await insertEvent(db, event);
    return true;
  });
}

export async function deleteOrganization(
  s: Session,
  id: string,
  at: string,
  event: NewEvent,
): Promise<boolean> {
  return inTransaction(s, async (db) => {
    if (
      Number(
        (await db.deleteFrom('organizations').where('id', '=', id).executeTakeFirst()).numDeletedRows,
      ) !== 1
    )
      return false;
    await db.deleteFrom('connect_sessions').where('organization_id', '=', id).execute();
    await db
      .deleteFrom('credentials')
      .where((eb) =>
        eb.or([
          eb('organization_id', '=', id),
          eb(
            'connection_id',
            'in',
            eb.selectFrom('connections').select('id').where('organization_id', '=', id),
          ),
        ]),
      )
      .execute();
    await db
      .updateTable('connections')
      .set({ deleted_at: at })
      .where('organization_id', '=', id)
      .where('deleted_at', 'is', null)
      .execute();
    // Creates not settled yet hold sealed credentials too: they go, and are never adopted.
    await db.deleteFrom('create_intents').where('organization_id', '=', id).execute();
    await insertEvent(db, event);
    return true;
  });
}

/**
 * Whether the organization exists; on PostgreSQL its row is also share-locked until the
 * transaction ends, so a delete on another replica waits for this write (and then tombstones
 * what it wrote) instead of racing it. SQLite has one writer at a time already.
 */
export async function holdOrganization(db: Db, dialect: Dialect, id: string): Promise<boolean> {
  const q = db.selectFrom('organizations').select('id').where('id', '=', id);
  return (await (dialect === 'postgres' ? q.forShare() : q).executeTakeFirst()) !== undefined;
}

export function toOrg(r: Selectable<Tables['organizations']>): OrganizationRow {
  return { ...r, links: JSON.parse(r.links) as Record<string, string> };
}
