import { stableJson } from '../../core/snapshot.js';
import type { ConnectionSnapshot, MonitorStateRow, ObservedChange } from '../../core/storage.js';
import { insertEvent } from './events.js';
import { inTransaction, type Db, type Session } from './session.js';

export async function writeSnapshot(
  db: Db,
  connectionId: string,
  s: ConnectionSnapshot,
  at: string,
): Promise<void> {
  await db
    .insertInto('connection_snapshots')
    .values({ connection_id: connectionId, snapshot: stableJson(s), updated_at: at })
    .onConflict((oc) => oc.column('connection_id').doUpdateSet({ snapshot: stableJson(s), updated_at: at }))
    .execute();
}

export async function connectionSnapshots(
  { db }: Session,
  connectionIds: string[],
): Promise<Map<string, ConnectionSnapshot>> {
  if (connectionIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('connection_snapshots')
    .select(['connection_id', 'snapshot'])
    .where('connection_id', 'in', connectionIds)
    .execute();
  return new Map(rows.map((r) => [r.connection_id, JSON.parse(r.snapshot) as ConnectionSnapshot]));
}

export async function recordObserved(s: Session, changes: ObservedChange[]): Promise<number> {
  if (changes.length === 0) return 0;
  const done = await inTransaction(s, async (db) => {
    let n = 0;
    for (const c of changes) {
      // Compare-and-set: a write through the gateway since the monitor read the snapshot wins.
      const row = await db
        .selectFrom('connection_snapshots')
        .select('snapshot')
        .where('connection_id', '=', c.connection_id)
        .executeTakeFirst();
      const current = row?.snapshot ?? null;
      if (current !== (c.expected === null ? null : stableJson(c.expected))) continue;
      const at = c.events[0]?.at ?? new Date().toISOString();
      await writeSnapshot(db, c.connection_id, c.snapshot, at);
      for (const e of c.events) await insertEvent(db, e);
      n += 1;
    }
    return n;
  });
  return done === false ? 0 : done;
}

export async function monitorState({ db }: Session): Promise<MonitorStateRow[]> {
  return db.selectFrom('monitor_state').selectAll().orderBy('provider_id').execute();
}

export async function putMonitorState({ db }: Session, row: MonitorStateRow): Promise<void> {
  await db
    .insertInto('monitor_state')
    .values(row)
    .onConflict((oc) => oc.column('provider_id').doUpdateSet(row))
    .execute();
}
