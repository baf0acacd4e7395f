import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { GatewayError } from '../core/errors.js';
import type { ConnectionLocks } from '../core/storage.js';
import { KeyedMutex } from './keyed-mutex.js';
import type { Tables } from './sql/schema.js';

export interface LeaseSettings {
  lockLeaseMs: number;
  lockWaitMs: number;
}

/** First wait between attempts to take a held lease, doubled up to the longest. */
const FIRST_WAIT_MS = 5;
const LONGEST_WAIT_MS = 100;

/**
 * The per-connection lock across replicas: a lease row (`connection_leases`) taken with one
 * statement, renewed while held (every third of the lease), deleted when done. Nothing is held
 * between statements: no pooled connection, no open transaction across the upstream call. A
 * replica that dies holding one blocks the others until its lease expires (the database's clock
 * decides, so replicas' clocks need not agree). Waiters in one process queue in process first.
 */
export class LeaseLocks implements ConnectionLocks {
  readonly #local = new KeyedMutex();
  readonly #renewing = new Set<NodeJS.Timeout>();

  constructor(
    private readonly db: Kysely<Tables>,
    private readonly settings: LeaseSettings,
    private readonly holder: string,
    private readonly logger: Logger,
  ) {}

  run<T>(connectionId: string, fn: () => Promise<T>): Promise<T> {
    return this.#local.run(connectionId, async () => {
      const token = this.#token();
      await this.#acquire(connectionId, token);
      return this.#holding(connectionId, token, fn);
    });
  }

  async tryRun<T>(key: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    const local = await this.#local.tryRun(key, async () => {
      const token = this.#token();
      if (!(await this.#take(key, token))) return { ran: false as const };
      return { ran: true as const, value: await this.#holding(key, token, fn) };
    });
    return local.ran ? local.value : { ran: false };
  }

  #token(): string {
    return `${this.holder}:${Math.random().toString(36).slice(2, 10)}`;
  }

  /** Runs fn with the lease held, renewing it every third of its length, and gives it back after. */
  async #holding<T>(key: string, token: string, fn: () => Promise<T>): Promise<T> {
    const renew = setInterval(
      () => void this.#renew(key, token),
      Math.max(50, Math.floor(this.settings.lockLeaseMs / 3)),
    );
    renew.unref();
    this.#renewing.add(renew);
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      this.#renewing.delete(renew);
      await sql`DELETE FROM connection_leases WHERE connection_id = ${key} AND holder = ${token}`
        .execute(this.db)
        .catch((e: unknown) =>
          this.logger.warn(
            { err: e, connection: key },
            'connection lease not released; it expires on its own',
          ),
        );
    }
  }

  /** One attempt to take the lease: true when it is this token's now. */
  async #take(key: string, token: string): Promise<boolean> {
    const r = await sql<{ holder: string }>`
        INSERT INTO connection_leases (connection_id, holder, expires_at)
        VALUES (${key}, ${token}, clock_timestamp() + ${this.settings.lockLeaseMs}::integer * interval '1 millisecond')
        ON CONFLICT (connection_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
          WHERE connection_leases.expires_at < clock_timestamp()
        RETURNING holder`.execute(this.db);
    return r.rows.length === 1;
  }

  async #acquire(connectionId: string, token: string): Promise<void> {
    const giveUp = Date.now() + this.settings.lockWaitMs;
    for (let wait = FIRST_WAIT_MS; ; wait = Math.min(LONGEST_WAIT_MS, wait * 2)) {
      if (await this.#take(connectionId, token)) return;
      if (Date.now() + wait > giveUp) {
        throw new GatewayError(
          'conflict',
          'The connection is being changed by another request that has not finished; try again.',
          { retryAfter: 1 },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, wait * (0.5 + Math.random() / 2)));
    }
  }

  async #renew(connectionId: string, token: string): Promise<void> {
    try {
      const r =
        await sql`UPDATE connection_leases SET expires_at = clock_timestamp() + ${this.settings.lockLeaseMs}::integer * interval '1 millisecond'
        WHERE connection_id = ${connectionId} AND holder = ${token}`.execute(this.db);
      if (Number(r.numAffectedRows ?? 0) !== 1)
        this.logger.warn(
          { connection: connectionId },
          'connection lease lost while held (expired before renewal)',
        );
    } catch (e) {
      this.logger.warn({ err: e, connection: connectionId }, 'connection lease not renewed');
    }
  }

  close(): void {
    for (const t of this.#renewing) clearInterval(t);
    this.#renewing.clear();
  }
}
