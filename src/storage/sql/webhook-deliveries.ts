import type { Selectable } from 'kysely';
import type {
  AttemptRecord,
  ClaimedDelivery,
  DeliveryClaim,
  DeliveryQuery,
  DeliveryRow,
  DeliveryStatus,
} from '../../core/storage.js';
import { insertEvent, toEvent } from './events.js';
import type { Tables } from './schema.js';
import { inTransaction, type Session } from './session.js';
import { toEndpoint } from './webhook-endpoints.js';

/**
 * Leases due deliveries in one statement. On PostgreSQL the candidates are row-locked with SKIP
 * LOCKED, so replicas claiming at once take different deliveries; on either backend the lease
 * (owner and expiry) is what keeps a delivery from running twice at once, also after a crash
 * (an expired lease is claimed again).
 */
export async function claimDeliveries(s: Session, c: DeliveryClaim): Promise<ClaimedDelivery[]> {
  const { db } = s;
  let candidates = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select('d.id')
    .where('d.status', '=', 'pending')
    .where('d.next_attempt_at', '<=', c.now)
    .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<', c.now)]))
    .where('e.status', '=', 'enabled')
    .orderBy('d.next_attempt_at')
    .limit(c.limit);
  if (c.skip_endpoints.length > 0) candidates = candidates.where('d.endpoint_id', 'not in', c.skip_endpoints);
  if (s.dialect === 'postgres') candidates = candidates.forUpdate('d').skipLocked();
  const claimed = await db
    .updateTable('webhook_deliveries')
    .set({ lease_owner: c.owner, lease_until: c.lease_until })
    .where('id', 'in', candidates)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', c.now)]))
    .returningAll()
    .execute();
  if (claimed.length === 0) return [];
  // RETURNING gives no order: the oldest due first, as claimed.
  claimed.sort((x, y) =>
    (x.next_attempt_at ?? '') < (y.next_attempt_at ?? '')
      ? -1
      : (x.next_attempt_at ?? '') > (y.next_attempt_at ?? '')
        ? 1
        : x.id < y.id
          ? -1
          : 1,
  );
  const [events, endpoints] = await Promise.all([
    db
      .selectFrom('events')
      .selectAll()
      .where('id', 'in', [...new Set(claimed.map((d) => d.event_id))])
      .execute(),
    db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', 'in', [...new Set(claimed.map((d) => d.endpoint_id))])
      .execute(),
  ]);
  const eventById = new Map(events.map((e) => [e.id, toEvent(e)]));
  const endpointById = new Map(endpoints.map((e) => [e.id, toEndpoint(e)]));
  const out: ClaimedDelivery[] = [];
  for (const d of claimed) {
    const event = eventById.get(d.event_id);
    const endpoint = endpointById.get(d.endpoint_id);
    if (event && endpoint) out.push({ delivery: toDelivery(d), event, endpoint });
  }
  return out;
}

export async function releaseDeliveries({ db }: Session, ids: string[], owner: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('webhook_deliveries')
    .set({ lease_owner: null, lease_until: null })
    .where('id', 'in', ids)
    .where('lease_owner', '=', owner)
    .execute();
}

export async function recordDeliveryAttempt(
  s: Session,
  id: string,
  owner: string,
  r: AttemptRecord,
): Promise<boolean> {
  const done = await inTransaction(s, async (db) => {
    const d = await db
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        status: r.status,
        next_attempt_at: r.next_attempt_at,
        lease_owner: null,
        lease_until: null,
        last_attempt_at: r.attempt.at,
        last_status_code: r.attempt.status_code,
        last_error: r.attempt.error,
        last_duration_ms: r.attempt.duration_ms,
        ...(r.status === 'delivered' ? { delivered_at: r.attempt.at } : {}),
      }))
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .returning('endpoint_id')
      .executeTakeFirst();
    if (!d) return false;
    const ep = r.endpoint;
    if (ep.ok) {
      // Only when it was failing: a healthy endpoint's row is not rewritten (nor row-locked on
      // PostgreSQL, where replicas delivering to one endpoint would queue on it) per delivery.
      await db
        .updateTable('webhook_endpoints')
        .set({ failing_since: null })
        .where('id', '=', d.endpoint_id)
        .where('failing_since', 'is not', null)
        .execute();
      return true;
    }
    const failing = await db
      .updateTable('webhook_endpoints')
      .set((eb) => ({ failing_since: eb.fn.coalesce('failing_since', eb.val(r.attempt.at)) }))
      .where('id', '=', d.endpoint_id)
      .returning(['failing_since', 'status'])
      .executeTakeFirst();
    if (!failing || failing.status !== 'enabled') return true;
    const reason = ep.gone
      ? 'gone'
      : (failing.failing_since ?? r.attempt.at) <= ep.disable_if_failing_since
        ? 'failing'
        : null;
    if (reason === null) return true;
    await db
      .updateTable('webhook_endpoints')
      .set({ status: 'disabled', disabled_reason: reason, updated_at: r.attempt.at })
      .where('id', '=', d.endpoint_id)
      .execute();
    await insertEvent(db, { ...ep.disabled, data: { ...ep.disabled.data, reason } });
    return true;
  });
  return done === true;
}

export async function listDeliveries(
  { db }: Session,
  endpointId: string,
  q: DeliveryQuery,
  limit: number,
): Promise<DeliveryRow[]> {
  let sel = db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('endpoint_id', '=', endpointId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit);
  if (q.status !== undefined) sel = sel.where('status', '=', q.status);
  if (q.event_type !== undefined) sel = sel.where('event_type', '=', q.event_type);
  const before = q.before;
  if (before !== undefined) {
    sel = sel.where((eb) =>
      eb.or([
        eb('created_at', '<', before.created_at),
        eb.and([eb('created_at', '=', before.created_at), eb('id', '<', before.id)]),
      ]),
    );
  }
  return (await sel.execute()).map(toDelivery);
}

export async function getDelivery(
  { db }: Session,
  endpointId: string,
  id: string,
): Promise<DeliveryRow | null> {
  const r = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('id', '=', id)
    .where('endpoint_id', '=', endpointId)
    .executeTakeFirst();
  return r ? toDelivery(r) : null;
}

export async function retryDelivery(
  { db }: Session,
  endpointId: string,
  id: string,
  now: string,
): Promise<boolean> {
  const r = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', next_attempt_at: now })
    .where('id', '=', id)
    .where('endpoint_id', '=', endpointId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function countPendingDeliveries({ db }: Session): Promise<number> {
  const r = await db
    .selectFrom('webhook_deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

function toDelivery(r: Selectable<Tables['webhook_deliveries']>): DeliveryRow {
  return {
    id: r.id,
    endpoint_id: r.endpoint_id,
    event_id: r.event_id,
    event_type: r.event_type,
    status: r.status as DeliveryStatus,
    attempts: Number(r.attempts),
    next_attempt_at: r.next_attempt_at,
    last_attempt:
      r.last_attempt_at === null
        ? null
        : {
            at: r.last_attempt_at,
            status_code: r.last_status_code === null ? null : Number(r.last_status_code),
            error: r.last_error,
            duration_ms: Number(r.last_duration_ms ?? 0),
          },
    created_at: r.created_at,
    delivered_at: r.delivered_at,
  };
}
