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
      const token = `${this.holder}:${Math.random().toString(36).slice(2, 10)}`;
      await this.#acquire(connectionId, token);
      const renew = setInterval(
        () => void this.#renew(connectionId, token),
        Math.max(50, Math.floor(this.settings.lockLeaseMs / 3)),
      );
      renew.unref();
      this.#renewing.add(renew);
      try {
        return await fn();
      } finally {
        clearInterval(renew);
        this.#renewing.delete(renew);
        await sql`DELETE FROM connection_leases WHERE connection_id = ${connectionId} AND holder = ${token}`
          .execute(this.db)
          .catch((e: unknown) =>
            this.logger.warn(
              { err: e, connection: connectionId },
              'connection lease not released; it expires on its own',
            ),
          );
      }
    });
  }

  async #acquire(connectionId: string, token: string): Promise<void> {
    const giveUp = Date.now() + this.settings.lockWaitMs;
    for (let wait = FIRST_WAIT_MS; ; wait = Math.min(LONGEST_WAIT_MS, wait * 2)) {
      const r = await sql<{ holder: string }>`
        INSERT INTO connection_leases (connection_id, holder, expires_at)
        VALUES (${connectionId}, ${token}, clock_timestamp() + ${this.settings.lockLeaseMs}::integer * interval '1 millisecond')
        ON CONFLICT (connection_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
          WHERE connection_leases.expires_at < clock_timestamp()
        RETURNING holder`.execute(this.db);
      if (r.rows.length === 1) return;
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
