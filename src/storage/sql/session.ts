import type { Kysely } from 'kysely';
import type { Tables } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Tables>;

/** Where an aggregate's queries run: the database (or the transaction open on it) and its dialect. */
export interface Session {
  readonly db: Db;
  readonly dialect: Dialect;
  /**
   * Runs a read at once, without the async query layer (better-sqlite3 is synchronous; kysely's
   * driver around it costs more than the read); null when it cannot now (a transaction is open on
   * the connection: the read waits for it through kysely). Absent on PostgreSQL and in a transaction.
   */
  readonly readNow?: (sql: string, params: readonly unknown[]) => unknown[] | null;
}

/** Thrown inside `inTransaction` to undo the transaction and answer `false`. */
export class Rollback extends Error {}

/** `fn` in one transaction (the session's own, when it is one already); `false` when it throws Rollback. */
export async function inTransaction<T>(s: Session, fn: (db: Db) => Promise<T>): Promise<T | false> {
  try {
    return s.db.isTransaction ? await fn(s.db) : await s.db.transaction().execute(fn);
  } catch (e) {
    if (e instanceof Rollback) return false;
    throw e;
  }
}
