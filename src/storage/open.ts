import type { Logger } from 'pino';
import type { Secret } from '../core/secret.js';
import type { Storage } from '../core/storage.js';
import { POSTGRES_DEFAULTS, type PostgresSettings } from './postgres-settings.js';

export interface OpenOptions {
  /** Refuse a database that does not exist yet instead of creating it (tools such as `rotate-key`). */
  mustExist?: boolean;
  /** How long a looked-up API key or connection is kept in memory (storage/lookups.ts; default 1 s, 0: never). */
  lookupTtlMs?: number;
  /** The lookups' clock in ms (default `performance.now`; tests move their own). */
  lookupClock?: () => number;
}

/** Opens the storage a `database.url` names; each backend's driver is loaded only when used. */
export async function openStorage(
  database: { url: Secret<string>; postgres?: PostgresSettings },
  logger: Logger,
  opts: OpenOptions = {},
): Promise<Storage> {
  const url = database.url.reveal();
  if (url.startsWith('sqlite:')) {
    const { SqliteStorage } = await import('./sqlite.js');
    return SqliteStorage.fromUrl(url, opts);
  }
  const { PostgresStorage } = await import('./postgres.js');
  return PostgresStorage.open(url, database.postgres ?? POSTGRES_DEFAULTS, logger, opts);
}
