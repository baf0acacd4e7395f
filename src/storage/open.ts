import type { OpenOptions, Storage } from './storage.js';
import { SqliteStorage } from './sqlite.js';

/** Opens the storage a `database.url` names. */
export async function openStorage(url: string, opts: OpenOptions = {}): Promise<Storage> {
  if (url.startsWith('sqlite:')) return SqliteStorage.fromUrl(url, opts);
  throw new Error(`database.url: the PostgreSQL backend is not available in this build (${url.split(':')[0]})`);
}
