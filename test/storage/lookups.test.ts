import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Secret } from '../../src/core/secret.js';
import type { ApiKeyRow, Storage } from '../../src/core/storage.js';
import { changesLookups, LookupCache, statementKind } from '../../src/storage/lookups.js';
import { openStorage, type OpenOptions } from '../../src/storage/open.js';
import { POSTGRES_DEFAULTS } from '../../src/storage/postgres-settings.js';
import { startPostgres, type PgServer } from '../helpers/postgres.js';

const quiet = pino({ level: 'silent' });
const open = (url: string, opts: OpenOptions = {}) =>
  openStorage({ url: new Secret(url), postgres: POSTGRES_DEFAULTS }, quiet, opts);
const key = (hash: string): ApiKeyRow => ({
  id: `ak_${hash}`,
  name: hash,
  organization_ids: ['*'],
  scopes: ['connections:read'],
  key_hash: hash,
  created_at: 't',
  revoked_at: null,
});

describe('what makes a lookup stale', () => {
  it('statements writing the tables the lookups read, as kysely and hand-written SQL word them', () => {
    for (const sql of [
      'insert into "api_keys" ("id") values (?)',
      'update "connections" set "deleted_at" = $1 where "id" = $2',
      'delete from "organizations" where "id" = ?',
      'insert into "credentials" ("connection_id") values (?) on conflict ("connection_id") do update set "x" = 1',
      'WITH gone AS (UPDATE connections SET deleted_at = $1 RETURNING id) INSERT INTO events SELECT 1',
    ])
      expect(changesLookups(sql), sql).toBe(true);
    for (const sql of [
      'select * from "api_keys" where "key_hash" = ?',
      'insert into "events" ("connection_id") values (?)',
      'update "webhook_deliveries" set "state" = ?',
      'insert into "connection_snapshots" ("connection_id") values (?)',
      'update "connect_sessions" set "connection_id" = ?',
    ])
      expect(changesLookups(sql), sql).toBe(false);
    expect(statementKind('commit')).toBe('end');
    expect(statementKind('rollback')).toBe('end');
    expect(statementKind('begin')).toBeNull();
  });

  it('a read that began before a write does not keep its answer; an entry lives its time from when it was read', async () => {
    let now = 0;
    const cache = new LookupCache(1_000, () => now);
    let release: (v: string) => void = () => {};
    const slow = cache.through(
      'k',
      () => new Promise<string>((r) => (release = r)),
      () => true,
    );
    cache.clear(); // a write while the read is on its way
    release('old');
    expect(await slow).toBe('old');
    expect(cache.get('k')).toBeUndefined();

    now = 100;
    const reading = cache.through(
      'k',
      async () => {
        now = 400; // the read took 300 ms
        return 'new';
      },
      () => true,
    );
    expect(await reading).toBe('new');
    now = 1_099;
    expect(cache.get('k')).toBe('new');
    now = 1_100;
    expect(cache.get('k')).toBeUndefined();
  });
});

describe('a process that hears nothing of the others (two processes on one SQLite file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-lookups-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("answers a key revoked by the other from memory at most the lookups' lifetime (1 s), then refuses it", async () => {
    let now = 0;
    const url = `sqlite:${join(dir, 'one.db')}`;
    const tool = await open(url);
    const gateway = await open(url, { lookupClock: () => now });
    try {
      await tool.insertApiKey(key('h1'), null);
      expect(await gateway.getApiKeyByHash('h1')).toMatchObject({ revoked_at: null });
      await tool.revokeApiKey('ak_h1', 'r', null);
      now = 999;
      // Kept: the other process's write was not heard (SQLite has nobody to tell).
      expect(await gateway.getApiKeyByHash('h1')).toMatchObject({ revoked_at: null });
      now = 1_000;
      expect(await gateway.getApiKeyByHash('h1')).toMatchObject({ revoked_at: 'r' });
    } finally {
      await Promise.all([tool.close(), gateway.close()]);
    }
  });
});

describe('replicas on PostgreSQL', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a revocation is heard (NOTIFY): the other replica refuses the key at once, though its entries live 60 s', async () => {
    const url = await server.createDatabase();
    const a = await open(url);
    const b: Storage = await open(url, { lookupTtlMs: 60_000 });
    try {
      await a.insertApiKey(key('h2'), null);
      expect(await b.getApiKeyByHash('h2')).toMatchObject({ revoked_at: null });
      // B listens from its first kept lookup; LISTEN is set up asynchronously: wait until it hears.
      let heard = false;
      b.broadcast.subscribe(() => {
        heard = true;
      });
      await vi.waitFor(
        async () => {
          await a.broadcast.publish('ping');
          expect(heard).toBe(true);
        },
        { timeout: 5_000, interval: 20 },
      );
      await a.revokeApiKey('ak_h2', 'r', null);
      const revokedAt = performance.now();
      await vi.waitFor(async () => expect(await b.getApiKeyByHash('h2')).toMatchObject({ revoked_at: 'r' }), {
        timeout: 1_000,
        interval: 5,
      });
      expect(performance.now() - revokedAt).toBeLessThan(1_000);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
