import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe } from 'vitest';
import { Secret } from '../../src/core/secret.js';
import { openStorage } from '../../src/storage/open.js';
import { storageConformance } from './conformance.js';

const fileOf = (url: string) => url.slice('sqlite:'.length);

describe('storage conformance: SQLite', () => {
  storageConformance({
    fresh: async () => `sqlite:${join(mkdtempSync(join(tmpdir(), 'pb-sqlite-')), 'db.sqlite')}`,
    open: (url, opts) => openStorage({ url: new Secret(url) }, pino({ level: 'silent' }), opts),
    replicas: false,
    migrations: async (url) => {
      const db = new Database(fileOf(url), { readonly: true });
      try {
        return db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all() as number[];
      } finally {
        db.close();
      }
    },
  });
});
