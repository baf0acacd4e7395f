/**
 * The two lookups every request makes (its caller's API key; its organization with the connection
 * and that connection's credential facts) answered from memory. What makes an entry stale is seen
 * where it happens, in the statements sent to the database, not in a list of write methods that
 * the next change could miss:
 * - a write that may change what a lookup reads (a statement that writes and names one of the
 *   tables the lookups read) drops every entry before it runs and again once it is committed, and
 *   a read that started before a write never stores its answer (an epoch, as in the read cache);
 * - once committed, the other processes on the database are told (storage.broadcast), and drop
 *   theirs on hearing it;
 * - every entry lives `ttlMs` at most (1 s by default), so a message that is lost (a replica's
 *   notification connection down, a tool on the same SQLite file) costs at most that: a revoked key
 *   is refused everywhere within it.
 * Only what exists is kept: a key or connection that is not there is looked up every time, so a
 * new one is found at once by every process.
 */

/** Tables the lookups read: a statement writing any of them changes what they may answer. */
const LOOKUP_TABLES = /\b(?:organizations|connections|credentials|api_keys)\b/i;
const WRITE = /^\s*(?:insert|update|delete|with|replace|merge)\b/i;
const END_OF_TRANSACTION = /^\s*(?:commit|rollback|end)\b/i;

/** What the lookups read may be changed by this statement. */
export function changesLookups(sql: string): boolean {
  return WRITE.test(sql) && LOOKUP_TABLES.test(sql);
}

/** The message the processes on one database send each other when lookups changed. */
export const LOOKUPS_CHANGED = '{"lookups":"changed"}';

export const DEFAULT_LOOKUP_TTL_MS = 1_000;
const MAX_ENTRIES = 10_000;

export class LookupCache {
  readonly #entries = new Map<string, { value: unknown; expires: number }>();
  #epoch = 0;

  constructor(
    readonly ttlMs: number = DEFAULT_LOOKUP_TTL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Moves on with every write: a read that started in an older one does not store. */
  get epoch(): number {
    return this.#epoch;
  }

  get<T>(key: string): T | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    if (e.expires <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.value as T;
  }

  /**
   * Keeps `value` (frozen: every request shares it) unless a write happened since `epoch`, until
   * `ttlMs` after `readAt` (when its read began: what it says is as old as that).
   */
  set(key: string, value: unknown, epoch: number, readAt: number = this.now()): void {
    if (epoch !== this.#epoch || this.ttlMs <= 0) return;
    if (this.#entries.size >= MAX_ENTRIES) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value: deepFreeze(value), expires: readAt + this.ttlMs });
  }

  /** Drops everything (a write here or elsewhere, or a gap in what this process heard). */
  clear(): void {
    this.#epoch += 1;
    this.#entries.clear();
  }

  /**
   * A cached read: `key`'s entry, else `read()`'s answer, kept when `keep` says so and no write
   * happened meanwhile.
   */
  async through<T>(key: string, read: () => Promise<T>, keep: (value: T) => boolean): Promise<T> {
    const hit = this.get<T>(key);
    if (hit !== undefined) return hit;
    const epoch = this.#epoch;
    const readAt = this.now();
    const value = await read();
    if (keep(value)) this.set(key, value, epoch, readAt);
    return value;
  }
}

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}

/** What a statement is to the lookups: a write that changes what they read, the end of a transaction, or neither. */
export type StatementKind = 'write' | 'end' | null;

export function statementKind(sql: string): StatementKind {
  return changesLookups(sql) ? 'write' : END_OF_TRANSACTION.test(sql) ? 'end' : null;
}

/**
 * The statements of one database connection, as they are sent: each write that changes lookups
 * drops the cache before and after it; outside a transaction it is then committed and `committed()`
 * tells the other processes; inside one, that waits for the transaction's end.
 */
export class StatementWatch {
  #pending = false;

  constructor(
    private readonly cache: LookupCache,
    private readonly committed: () => void,
  ) {}

  /** Before a statement of this kind runs. */
  before(kind: StatementKind): void {
    if (kind === 'write') this.cache.clear();
  }

  /** After it ran (or failed); `inTransaction`: whether one is still open on the connection. */
  after(kind: StatementKind, inTransaction: boolean): void {
    if (kind === null || (kind === 'end' && !this.#pending)) return;
    this.cache.clear();
    if (kind === 'write' && inTransaction) {
      this.#pending = true;
      return;
    }
    this.#pending = false;
    this.committed();
  }
}
