import type { Selectable } from 'kysely';
import type {
  Attribution,
  ConnectionCandidate,
  ConnectionLookup,
  ConnectionRow,
  CredentialMeta,
  NewEvent,
  SealedCredentialRow,
} from '../../core/storage.js';
import { putCredential } from './credentials.js';
import { insertEvent } from './events.js';
import { holdOrganization, toOrg } from './organizations.js';
import { ARG, Prepared } from './prepared.js';
import type { Tables } from './schema.js';
import { inTransaction, type Db, type Session } from './session.js';

/** The columns of `connections` that make an upstream identity (the live unique index). */
export const LIVE_UPSTREAM = ['organization_id', 'provider_id', 'external_org_id', 'external_id'] as const;

type UpstreamIdentity = Pick<ConnectionRow, (typeof LIVE_UPSTREAM)[number]>;

/** A stored row as the port gives it: the end user and metadata parsed (JSON text in the table). */
export function toConnectionRow(r: Selectable<Tables['connections']>): ConnectionRow {
  return {
    ...r,
    end_user: r.end_user === null ? null : (JSON.parse(r.end_user) as NonNullable<ConnectionRow['end_user']>),
    metadata: r.metadata === null ? null : (JSON.parse(r.metadata) as NonNullable<ConnectionRow['metadata']>),
  };
}

/** The columns of a row to insert: the end user and metadata as JSON text (null when absent). */
export function connectionValues(row: ConnectionRow): Selectable<Tables['connections']> {
  return {
    id: row.id,
    organization_id: row.organization_id,
    provider_id: row.provider_id,
    external_org_id: row.external_org_id,
    external_id: row.external_id,
    kind: row.kind,
    created_at: row.created_at,
    deleted_at: row.deleted_at,
    ...attributionValues(row.end_user && { end_user: row.end_user, metadata: row.metadata ?? null }),
  };
}

/** An attribution's columns (both null for none). */
export function attributionValues(a: Attribution | null | undefined): {
  end_user: string | null;
  metadata: string | null;
} {
  return {
    end_user: a ? JSON.stringify(a.end_user) : null,
    metadata: a?.metadata ? JSON.stringify(a.metadata) : null,
  };
}

const GET_CONNECTION = new Prepared((db) =>
  db.selectFrom('connections').selectAll().where('id', '=', ARG[0]),
);
const CONNECTION_WITH_ORGANIZATION = new Prepared((db) =>
  db
    .selectFrom('organizations as o')
    .leftJoin('connections as c', (j) => j.on('c.id', '=', ARG[0]).onRef('c.organization_id', '=', 'o.id'))
    .leftJoin('credentials as cr', 'cr.connection_id', 'c.id')
    .select([
      'o.id as o_id',
      'o.name as o_name',
      'o.links as o_links',
      'o.created_at as o_created_at',
      'o.updated_at as o_updated_at',
      'c.id',
      'c.organization_id',
      'c.provider_id',
      'c.external_org_id',
      'c.external_id',
      'c.kind',
      'c.created_at',
      'c.deleted_at',
      'c.end_user',
      'c.metadata',
      'cr.connection_id as cr_id',
      'cr.credential_type as cr_type',
      'cr.updated_at as cr_updated_at',
    ])
    .where('o.id', '=', ARG[1]),
);

export async function getConnection(s: Session, id: string): Promise<ConnectionRow | null> {
  const [r] = await GET_CONNECTION.run(s, [id]);
  return r ? toConnectionRow(r) : null;
}

export async function getConnectionWithOrganization(
  s: Session,
  organizationId: string,
  connectionId: string,
): Promise<ConnectionLookup | null> {
  const [r] = await CONNECTION_WITH_ORGANIZATION.run(s, [connectionId, organizationId]);
  if (!r) return null;
  const organization = toOrg({
    id: r.o_id,
    name: r.o_name,
    links: r.o_links,
    created_at: r.o_created_at,
    updated_at: r.o_updated_at,
  });
  const connection: ConnectionRow | null =
    r.id === null
      ? null
      : toConnectionRow({
          id: r.id,
          organization_id: r.organization_id as string,
          provider_id: r.provider_id as string,
          external_org_id: r.external_org_id as string,
          external_id: r.external_id as string,
          kind: r.kind as string,
          created_at: r.created_at as string,
          deleted_at: r.deleted_at ?? null,
          end_user: r.end_user ?? null,
          metadata: r.metadata ?? null,
        });
  const credential: CredentialMeta | null =
    r.cr_id === null
      ? null
      : { connection_id: r.cr_id, credential_type: r.cr_type ?? null, updated_at: r.cr_updated_at as string };
  return { organization, connection, credential };
}

export async function ensureConnections(
  s: Session,
  candidates: ConnectionCandidate[],
  now: string,
  discovered?: (row: ConnectionRow, i: number) => NewEvent,
): Promise<ConnectionRow[]> {
  // Most of a list is known already: one read per upstream scope finds those; only the rest is written.
  const known = await liveRowsOf(s.db, candidates);
  const missing = candidates.flatMap((c, i) => (known.has(upstreamKey(c)) ? [] : [{ c, i }]));
  if (missing.length > 0) {
    for (const row of await adopt(s, missing, now, discovered)) known.set(upstreamKey(row), row);
  }
  return candidates.map((c) => known.get(upstreamKey(c)) as ConnectionRow);
}

/** The live rows of these upstream identities, by upstreamKey: one query per upstream scope. */
async function liveRowsOf(db: Db, candidates: ConnectionCandidate[]): Promise<Map<string, ConnectionRow>> {
  const scopes = new Map<string, ConnectionCandidate[]>();
  for (const c of candidates) {
    const k = JSON.stringify([c.organization_id, c.provider_id, c.external_org_id]);
    scopes.set(k, [...(scopes.get(k) ?? []), c]);
  }
  const out = new Map<string, ConnectionRow>();
  for (const group of scopes.values()) {
    const first = group[0] as ConnectionCandidate;
    const rows = await db
      .selectFrom('connections')
      .selectAll()
      .where('organization_id', '=', first.organization_id)
      .where('provider_id', '=', first.provider_id)
      .where('external_org_id', '=', first.external_org_id)
      .where(
        'external_id',
        'in',
        group.map((c) => c.external_id),
      )
      .where('deleted_at', 'is', null)
      .execute();
    for (const r of rows) out.set(upstreamKey(r), toConnectionRow(r));
  }
  return out;
}

/** Index rows made for upstream connections not known yet (made but not kept when their organization is gone). */
async function adopt(
  s: Session,
  candidates: Array<{ c: ConnectionCandidate; i: number }>,
  now: string,
  discovered?: (row: ConnectionRow, i: number) => NewEvent,
): Promise<ConnectionRow[]> {
  const organizations = new Map<string, boolean>();
  const rows = await inTransaction(s, async (db) => {
    const out: ConnectionRow[] = [];
    for (const { c, i } of candidates) {
      let exists = organizations.get(c.organization_id);
      if (exists === undefined)
        organizations.set(
          c.organization_id,
          (exists = await holdOrganization(db, s.dialect, c.organization_id)),
        );
      const made: ConnectionRow = {
        id: c.new_id,
        organization_id: c.organization_id,
        provider_id: c.provider_id,
        external_org_id: c.external_org_id,
        external_id: c.external_id,
        kind: c.kind,
        created_at: now,
        deleted_at: null,
      };
      // A list that was under way while its organization was deleted: its ids are never kept.
      if (!exists) {
        out.push((await findLive(db, c)) ?? made);
        continue;
      }
      // Two replicas listing at once: the unique live index lets one insert win, the other reads it.
      const inserted = await db
        .insertInto('connections')
        .values(connectionValues(made))
        .onConflict((oc) => oc.columns(LIVE_UPSTREAM).where('deleted_at', 'is', null).doNothing())
        .executeTakeFirst();
      if (discovered && Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1)
        await insertEvent(db, discovered(made, i));
      out.push((await findLive(db, c)) ?? made);
    }
    return out;
  });
  return rows === false ? [] : rows;
}

export async function insertConnection(
  s: Session,
  row: ConnectionRow,
  credential: SealedCredentialRow | null,
  event: NewEvent,
): Promise<boolean> {
  return inTransaction(s, async (db) => {
    if (!(await holdOrganization(db, s.dialect, row.organization_id))) return false;
    await db.insertInto('connections').values(connectionValues(row)).execute();
    if (credential) await putCredential(db, credential);
    await insertEvent(db, event);
    return true;
  });
}

export async function recordConnectionUpdate(
  s: Session,
  credential: SealedCredentialRow | null,
  event: NewEvent,
): Promise<void> {
  await inTransaction(s, async (db) => {
    if (credential) await putCredential(db, credential);
    await insertEvent(db, event);
  });
}

export async function markConnectionDeleted(
  s: Session,
  id: string,
  at: string,
  event: NewEvent | null,
): Promise<void> {
  await inTransaction(s, async (db) => {
    await db.deleteFrom('credentials').where('connection_id', '=', id).execute();
    await db.deleteFrom('connection_snapshots').where('connection_id', '=', id).execute();
    await db
      .updateTable('connections')
      .set({ deleted_at: at })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .execute();
    if (event) await insertEvent(db, event);
  });
}

export async function liveConnections(
  { db }: Session,
  organizationId: string,
  providerId: string,
  externalOrgId: string,
): Promise<ConnectionRow[]> {
  const rows = await db
    .selectFrom('connections')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('provider_id', '=', providerId)
    .where('external_org_id', '=', externalOrgId)
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map(toConnectionRow);
}

export async function setConnectionAttribution(
  { db }: Session,
  id: string,
  attribution: Attribution,
): Promise<void> {
  await db
    .updateTable('connections')
    .set(attributionValues(attribution))
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .execute();
}

export async function findLiveConnection(
  { db }: Session,
  organizationId: string,
  providerId: string,
  externalOrgId: string,
  externalId: string,
): Promise<ConnectionRow | null> {
  return (
    (await findLive(db, {
      organization_id: organizationId,
      provider_id: providerId,
      external_org_id: externalOrgId,
      external_id: externalId,
    })) ?? null
  );
}

function upstreamKey(c: UpstreamIdentity): string {
  return JSON.stringify([c.organization_id, c.provider_id, c.external_org_id, c.external_id]);
}

async function findLive(db: Db, c: UpstreamIdentity): Promise<ConnectionRow | undefined> {
  const r = await db
    .selectFrom('connections')
    .selectAll()
    .where('organization_id', '=', c.organization_id)
    .where('provider_id', '=', c.provider_id)
    .where('external_org_id', '=', c.external_org_id)
    .where('external_id', '=', c.external_id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return r && toConnectionRow(r);
}
