import type { Selectable } from 'kysely';
import type { Attribution, ConnectSessionRow, ConnectSessionStatus, NewEvent } from '../../core/storage.js';
import { attributionValues } from './connections.js';
import { insertEvent } from './events.js';
import { holdOrganization } from './organizations.js';
import type { Tables } from './schema.js';
import { inTransaction, Rollback, type Session } from './session.js';

/** Connect sessions (contract §10): rows keyed by id and by their token's SHA-256. */

export async function insertConnectSession(s: Session, row: ConnectSessionRow): Promise<boolean> {
  return inTransaction(s, async (db) => {
    if (!(await holdOrganization(db, s.dialect, row.organization_id))) throw new Rollback();
    await db
      .insertInto('connect_sessions')
      .values({
        ...withoutFlow(row),
        ...flowValues(row),
        end_user: JSON.stringify(row.end_user),
        metadata: row.metadata === null ? null : JSON.stringify(row.metadata),
        allowed: JSON.stringify(row.allowed),
        error: row.error === null ? null : JSON.stringify(row.error),
        window_started_at: null,
        window_count: 0,
      })
      .execute();
    return true;
  });
}

export async function getConnectSession({ db }: Session, id: string): Promise<ConnectSessionRow | null> {
  const r = await db.selectFrom('connect_sessions').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toSession(r) : null;
}

export async function getConnectSessionByTokenHash(
  { db }: Session,
  tokenHash: string,
): Promise<ConnectSessionRow | null> {
  const r = await db
    .selectFrom('connect_sessions')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return r ? toSession(r) : null;
}

export async function listConnectSessions(
  { db }: Session,
  organizationId: string,
  afterId: string | null,
  limit: number,
): Promise<ConnectSessionRow[]> {
  const rows = await db
    .selectFrom('connect_sessions')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '>', afterId ?? '')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toSession);
}

export async function revokeConnectSession({ db }: Session, id: string, at: string): Promise<boolean> {
  const r = await db
    .updateTable('connect_sessions')
    .set({ status: 'revoked', revoked_at: at })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function completeConnectSession(
  s: Session,
  id: string,
  connectionId: string,
  at: string,
  event: NewEvent,
): Promise<boolean> {
  return inTransaction(s, async (db) => {
    const r = await db
      .updateTable('connect_sessions')
      .set({
        status: 'completed',
        completed_at: at,
        result_connection_id: connectionId,
        attempt_connection_id: null,
        error: null,
      })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new Rollback();
    await insertEvent(db, event);
    return true;
  });
}

export async function setConnectSessionAttempt(
  { db }: Session,
  id: string,
  attempt: { connection_id: string | null; error: { code: string; message: string } | null },
): Promise<void> {
  await db
    .updateTable('connect_sessions')
    .set({
      attempt_connection_id: attempt.connection_id,
      error: attempt.error === null ? null : JSON.stringify(attempt.error),
    })
    .where('id', '=', id)
    .execute();
}

export async function countConnectSubmission(
  { db }: Session,
  id: string,
  now: string,
  windowStart: string,
): Promise<number> {
  // One statement: every SET reads the row as it was, so two submits at once both count.
  const r = await db
    .updateTable('connect_sessions')
    .set((eb) => {
      const stale = eb.or([eb('window_started_at', 'is', null), eb('window_started_at', '<', windowStart)]);
      return {
        window_count: eb
          .case()
          .when(stale)
          .then(1)
          .else(eb('window_count', '+', 1))
          .end(),
        window_started_at: eb.case().when(stale).then(now).else(eb.ref('window_started_at')).end(),
      };
    })
    .where('id', '=', id)
    .returning('window_count')
    .executeTakeFirst();
  return r ? Number(r.window_count) : 0;
}

export async function pendingProviderFlows(
  { db }: Session,
  organizationId: string,
  providerId: string,
  expiresAfter: string,
): Promise<ConnectSessionRow[]> {
  const rows = await db
    .selectFrom('connect_sessions')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('provider_id', '=', providerId)
    .where('status', '=', 'pending')
    .where('expires_at', '>', expiresAfter)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toSession);
}

export async function completeProviderFlow(
  s: Session,
  id: string,
  connectionId: string,
  attribution: Attribution,
  at: string,
  event: NewEvent,
): Promise<boolean> {
  return inTransaction(s, async (db) => {
    if (!(await completeConnectSession({ db, dialect: s.dialect }, id, connectionId, at, event)))
      throw new Rollback();
    await db
      .updateTable('connections')
      .set(attributionValues(attribution))
      .where('id', '=', connectionId)
      .where('deleted_at', 'is', null)
      .execute();
    return true;
  });
}

function withoutFlow(row: ConnectSessionRow): Omit<ConnectSessionRow, 'provider_flow'> {
  const { provider_flow: _f, ...rest } = row;
  return rest;
}

function flowValues(row: ConnectSessionRow) {
  const f = row.provider_flow;
  return {
    provider_id: f?.provider_id ?? null,
    flow_key_id: f?.sealed.key_id ?? null,
    flow_nonce: f?.sealed.nonce ?? null,
    flow_ciphertext: f?.sealed.ciphertext ?? null,
    flow_started_at: f?.started_at ?? null,
  };
}

function toSession(r: Selectable<Tables['connect_sessions']>): ConnectSessionRow {
  const {
    window_started_at: _w,
    window_count: _c,
    provider_id,
    flow_key_id,
    flow_nonce,
    flow_ciphertext,
    flow_started_at,
    ...rest
  } = r;
  return {
    ...rest,
    provider_flow:
      provider_id !== null && flow_key_id !== null && flow_nonce !== null && flow_ciphertext !== null
        ? {
            provider_id,
            sealed: { key_id: flow_key_id, nonce: flow_nonce, ciphertext: flow_ciphertext },
            started_at: flow_started_at ?? r.created_at,
          }
        : null,
    end_user: JSON.parse(r.end_user) as ConnectSessionRow['end_user'],
    metadata: r.metadata === null ? null : (JSON.parse(r.metadata) as ConnectSessionRow['metadata']),
    allowed: JSON.parse(r.allowed) as ConnectSessionRow['allowed'],
    status: r.status as ConnectSessionStatus,
    error: r.error === null ? null : (JSON.parse(r.error) as ConnectSessionRow['error']),
  };
}
