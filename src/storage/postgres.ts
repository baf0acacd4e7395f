import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import type { Logger } from 'pino';
import { GatewayError } from '../core/errors.js';
import type { Broadcast } from '../core/storage.js';
import { LeaseLocks } from './lease-locks.js';
import {
  DEFAULT_LOOKUP_TTL_MS,
  LOOKUPS_CHANGED,
  LookupCache,
  StatementWatch,
  statementKind,
} from './lookups.js';
import type { OpenOptions } from './open.js';
import { MIGRATIONS, TYPES } from './sql/migrations.js';
import type { Tables } from './sql/schema.js';
import { SqlStorage } from './sql/sql-storage.js';
import type { PostgresSettings } from './postgres-settings.js';

/** Every replica migrates under this advisory lock: two starting at once migrate once. */
const MIGRATION_LOCK = 7_390_211_501;
const CHANNEL = 'plugboard';

/**
 * PostgreSQL storage: the same statements as SQLite (kysely), a bounded pool, migrations under an
 * advisory lock, the per-connection lock as a lease row, and LISTEN/NOTIFY between replicas.
 * A database that cannot be reached is 503 `storage_unavailable`, never a hang past the timeouts.
 */
export class PostgresStorage extends SqlStorage {
  static async open(
    url: string,
    settings: PostgresSettings,
    logger: Logger,
    opts: OpenOptions = {},
  ): Promise<PostgresStorage> {
    const pool = new pg.Pool({
      connectionString: url,
      max: settings.poolSize,
      connectionTimeoutMillis: settings.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      statement_timeout: settings.statementTimeoutMs,
      // The client's own limit, a little past the server's: a server that stops answering is not waited for.
      query_timeout: settings.statementTimeoutMs + 1_000,
      // BIGINT (events.seq, counts) as numbers: they stay far below 2^53.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === 20
            ? Number
            : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
      },
    });
    // An idle connection the server dropped (a restart): the pool discards it; without a listener it would end the process.
    pool.on('error', (e) => logger.warn({ err_code: errorCode(e) }, 'database connection lost'));
    const lookups = new LookupCache(opts.lookupTtlMs ?? DEFAULT_LOOKUP_TTL_MS, opts.lookupClock);
    // Set once the broadcast exists (it is made after the migrations, which change no lookup).
    let tell = (): void => {};
    const db = new Kysely<Tables>({
      dialect: new PostgresDialect({ pool: unavailableAs503(pool, lookups, () => tell()) }),
    });
    try {
      await migrate(pool, opts);
    } catch (e) {
      await pool.end();
      throw e;
    }
    const broadcast = new Notifications(url, pool, logger);
    tell = () => void broadcast.publish(LOOKUPS_CHANGED);
    const locks = new LeaseLocks(
      db,
      settings,
      `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
      logger,
    );
    return new PostgresStorage(
      db,
      locks,
      broadcast,
      'postgres',
      async () => {
        locks.close();
        await broadcast.close();
        await db.destroy();
      },
      { lookups },
    );
  }
}

async function migrate(pool: pg.Pool, opts: OpenOptions): Promise<void> {
  const client = await pool.connect();
  try {
    if (opts.mustExist) {
      const r = await client.query<{ t: string | null }>(
        "SELECT to_regclass('schema_migrations')::text AS t",
      );
      if (r.rows[0]?.t == null) throw new Error('no Plugboard database there (no schema_migrations table)');
    }
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    const applied = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await client.query(m.sql(TYPES.postgres));
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

/** Node and PostgreSQL errors that mean "the database is not there", not "this statement is wrong". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '57014',
]);

function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isUnreachable(e: unknown): boolean {
  const code = errorCode(e);
  if (code !== undefined && (UNREACHABLE_CODES.has(code) || code.startsWith('08'))) return true;
  const message = e instanceof Error ? e.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error/i.test(
    message,
  );
}

function unavailable(e: unknown): unknown {
  if (!isUnreachable(e)) return e;
  return new GatewayError('storage_unavailable', 'The database did not answer in time. Try again shortly.', {
    cause: e,
    retryAfter: 1,
  });
}

/**
 * The pool as kysely sees it, its connection and statement failures turned into `storage_unavailable`,
 * and the statements that change what the lookups read shown to a watch per checkout (a transaction
 * is one checkout), which tells the other replicas (`committed`) once such a write is committed.
 */
function unavailableAs503(pool: pg.Pool, lookups: LookupCache, committed: () => void): PostgresPool {
  return {
    connect: async () => {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (e) {
        throw unavailable(e);
      }
      // A wrapper, not the pooled client changed: pg-pool's own pool.query() uses the same clients with callbacks.
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      let broken = false;
      const watch = new StatementWatch(lookups, committed);
      let inTransaction = false;
      return {
        query: (...args: unknown[]) => {
          if (Array.isArray(args[1])) args[1] = args[1].map(withoutNul);
          const text = typeof args[0] === 'string' ? args[0] : '';
          if (/^\s*begin\b/i.test(text)) inTransaction = true;
          const kind = statementKind(text);
          if (kind === 'end') inTransaction = false;
          watch.before(kind);
          const r = query(...args);
          return r instanceof Promise
            ? r.then(
                (v: unknown) => {
                  watch.after(kind, inTransaction);
                  return v;
                },
                (e: unknown) => {
                  watch.after(kind, inTransaction);
                  broken ||= isUnreachable(e);
                  throw unavailable(e);
                },
              )
            : r;
        },
        // A connection that failed as unreachable is closed, not pooled again.
        release: () => client.release(broken),
      } as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}

/**
 * LISTEN/NOTIFY on one connection of its own (outside the pool, which it would otherwise pin),
 * reconnected with a backoff when the database goes away. Messages carry their sender, so a
 * process never acts on its own.
 */
class Notifications implements Broadcast {
  readonly #origin = randomBytes(6).toString('hex');
  readonly #listeners: Array<(message: string) => void> = [];
  readonly #gaps: Array<() => void> = [];
  /** Whether LISTEN ever succeeded: a later success follows a time nothing was heard. */
  #heard = false;
  #publishing: Promise<void> | null = null;
  #again = new Set<string>();
  #client: pg.Client | null = null;
  #closed = false;
  #retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
  ) {}

  /** Sends `message`; the same message asked for again while one is on its way is sent once more after it, not once per ask. */
  async publish(message: string): Promise<void> {
    if (this.#publishing) {
      this.#again.add(message);
      return this.#publishing;
    }
    this.#publishing = this.#send(message);
    try {
      await this.#publishing;
    } finally {
      this.#publishing = null;
    }
    const queued = [...this.#again];
    this.#again.clear();
    await Promise.all(queued.map((m) => this.publish(m)));
  }

  async #send(message: string): Promise<void> {
    try {
      await this.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, `${this.#origin} ${message}`]);
    } catch (e) {
      // Best effort: the other replicas' caches still expire within their TTL.
      this.logger.warn({ err_code: errorCode(e) }, 'database notification not sent');
    }
  }

  subscribe(listener: (message: string) => void, gap?: () => void): void {
    this.#listeners.push(listener);
    if (gap) this.#gaps.push(gap);
    if (this.#listeners.length === 1) void this.#listen(0);
  }

  async #listen(attempt: number): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5_000 });
    const again = () => {
      if (this.#client !== client || this.#closed) return;
      this.#client = null;
      client.end().catch(() => {});
      this.#retry = setTimeout(() => void this.#listen(attempt + 1), Math.min(5_000, 100 * 2 ** attempt));
      this.#retry.unref();
    };
    this.#client = client;
    client.on('error', again);
    client.on('end', again);
    client.on('notification', (n) => {
      const payload = n.payload ?? '';
      const space = payload.indexOf(' ');
      if (space < 0 || payload.slice(0, space) === this.#origin) return;
      const message = payload.slice(space + 1);
      for (const l of this.#listeners) l(message);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      attempt = 0;
      if (this.#heard) for (const g of this.#gaps) g();
      this.#heard = true;
    } catch {
      again();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }
}

/**
 * PostgreSQL text cannot hold NUL (SQLite can). The gateway stores no text with one (names refuse
 * it, ids and links have formats), so a NUL can only come in a value a row is looked up by (an id
 * in a path): sent as U+FFFD it matches nothing, as on SQLite, instead of failing the statement.
 */
function withoutNul(v: unknown): unknown {
  return typeof v === 'string' && v.includes('\u0000') ? v.replaceAll('\u0000', '\uFFFD') : v;
}
