import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Broadcast } from '../core/storage.js';
import { KeyedMutex } from './keyed-mutex.js';
import { DEFAULT_LOOKUP_TTL_MS, LookupCache, StatementWatch, statementKind } from './lookups.js';
import type { OpenOptions } from './open.js';
import { MIGRATIONS, TYPES } from './sql/migrations.js';
import type { Tables } from './sql/schema.js';
import { SqlStorage } from './sql/sql-storage.js';

/** One process on the file: nobody else to tell. */
const NOBODY: Broadcast = { publish: async () => {}, subscribe: () => {} };

/**
 * Embedded storage on better-sqlite3. WAL journal, writes in transactions, so a crash mid-write
 * leaves no half row. The per-connection lock is in-process: one SQLite file serves one gateway
 * process (use PostgreSQL to run several replicas).
 */
export class SqliteStorage extends SqlStorage {
  /** `mustExist`: refuse a file that is not there (a tool working on a gateway's database) instead of creating it. */
  constructor(file: string, opts: OpenOptions = {}) {
    if (opts.mustExist && file !== ':memory:' && !existsSync(file))
      throw new Error(`no SQLite database at ${file}`);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const raw = new Database(file);
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('busy_timeout = 5000');
    raw.pragma('foreign_keys = ON');
    migrate(raw);
    const lookups = new LookupCache(opts.lookupTtlMs ?? DEFAULT_LOOKUP_TTL_MS, opts.lookupClock);
    // One process on the file: nobody to tell once a write is committed (another process on it, such
    // as rotate-key, is bounded by the entries' lifetime).
    const watch = new StatementWatch(lookups, () => {});
    const statements = preparedOnce(raw, watch);
    const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: statements.database }) });
    super(db, new KeyedMutex(), NOBODY, 'sqlite', () => db.destroy(), {
      lookups,
      readNow: (sql, params) => (raw.inTransaction ? null : (statements.get(sql).all(params) as unknown[])),
    });
  }

  /** `sqlite:./data/x.db` or `sqlite::memory:` */
  static fromUrl(url: string, opts: OpenOptions = {}): SqliteStorage {
    return new SqliteStorage(url.replace(/^sqlite:(\/\/)?/, ''), opts);
  }
}

function migrate(db: Database.Database): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql(TYPES.sqlite));
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    })();
  }
}

/**
 * The database as kysely's SQLite driver sees it, with each statement prepared once and reused
 * (preparing is a large share of a read's cost, and kysely's driver prepares on every query),
 * transactions begun IMMEDIATE, and the statements that change what the lookups read shown to
 * `watch` as they run. `get` is the prepared statement itself (a read run at once).
 */
function preparedOnce(
  db: Database.Database,
  watch: StatementWatch,
): { database: SqliteDatabase; get(sql: string): SqliteStatement } {
  const statements = new Map<string, SqliteStatement>();
  const get = (sql: string): SqliteStatement => {
    let st = statements.get(sql);
    if (!st) {
      // A transaction takes the write lock at its start: another process on the file (rotate-key)
      // then waits its turn (busy_timeout) instead of failing a read-then-write half-way.
      const prepared = db.prepare(sql === 'begin' ? 'BEGIN IMMEDIATE' : sql) as unknown as SqliteStatement;
      st = watched(prepared, sql);
      statements.set(sql, st);
    }
    return st;
  };
  const watched = (st: SqliteStatement, sql: string): SqliteStatement => {
    const kind = statementKind(sql);
    if (kind === null) return st;
    const around =
      <R>(run: (p: ReadonlyArray<unknown>) => R) =>
      (p: ReadonlyArray<unknown>): R => {
        watch.before(kind);
        try {
          return run(p);
        } finally {
          watch.after(kind, db.inTransaction);
        }
      };
    return {
      reader: st.reader,
      all: around((p) => st.all(p)),
      run: around((p) => st.run(p)),
      iterate: around((p) => st.iterate(p)),
    };
  };
  return {
    database: {
      close: () => {
        if (db.open) db.close();
      },
      prepare: get,
    },
    get,
  };
}
