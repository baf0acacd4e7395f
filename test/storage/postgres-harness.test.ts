import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PgServer } from '../helpers/postgres.js';

/** One query on a fresh connection; a server that is down fails fast instead of hanging. */
async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 2_000,
    query_timeout: 5_000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Linux: pids whose command line contains `text` (the postmaster runs with `-D <data dir>`). */
function pidsWithArgument(text: string): number[] {
  if (!existsSync('/proc')) return [];
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .flatMap((name) => {
      try {
        return readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(text) ? [Number(name)] : [];
      } catch {
        return []; // gone meanwhile
      }
    });
}

/** Linux: the children of `parent` (the postmaster's backends, checkpointer, …). */
function childrenOf(parent: number): number[] {
  if (!existsSync('/proc')) return [];
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        const ppid = /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'))?.[1];
        return Number(ppid) === parent ? [Number(name)] : [];
      } catch {
        return [];
      }
    });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('throwaway PostgreSQL for tests (test/helpers/postgres.ts)', () => {
  let server: PgServer;
  let other: PgServer;
  beforeAll(async () => {
    // Both start at once; if one fails, the other is still kept so that afterAll closes it.
    const [a, b] = await Promise.allSettled([startPostgres(), startPostgres()]);
    if (a.status === 'fulfilled') server = a.value;
    if (b.status === 'fulfilled') other = b.value;
    for (const result of [a, b]) if (result.status === 'rejected') throw result.reason;
  });
  afterAll(async () => {
    await Promise.all([server?.close(), other?.close()]);
  });

  it('runs several servers at once, each on its own loopback port with its own data', async () => {
    expect(server.port).not.toBe(other.port);
    expect(server.adminUrl).toMatch(
      new RegExp(`^postgres://[^:]+:[^@]+@127\\.0\\.0\\.1:${server.port}/postgres$`),
    );
    const [a, b] = await Promise.all([
      query(server.adminUrl, 'SHOW data_directory'),
      query(other.adminUrl, 'SHOW data_directory'),
    ]);
    expect(a.rows[0].data_directory).not.toBe(b.rows[0].data_directory);
    expect((await query(server.adminUrl, 'SHOW listen_addresses')).rows[0].listen_addresses).toBe(
      '127.0.0.1',
    );
  });

  it('gives each createDatabase() a fresh, empty database of its own', async () => {
    const one = await server.createDatabase();
    const two = await server.createDatabase();
    expect(one).not.toBe(two);
    expect(new URL(one).port).toBe(String(server.port));
    expect(new URL(one).pathname).toMatch(/^\/t_[0-9a-f]+$/);

    await query(one, 'CREATE TABLE notes (body text)');
    await query(one, "INSERT INTO notes VALUES ('written in one')");
    expect((await query(one, 'SELECT body FROM notes')).rows).toEqual([{ body: 'written in one' }]);
    const tables = await query(
      two,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(tables.rows).toEqual([]);
  });

  it('stop() refuses connections (no hang); start() serves the same data again', async () => {
    const url = await server.createDatabase();
    await query(url, "CREATE TABLE kept AS SELECT 'still here' AS body");

    await server.stop();
    await expect(query(url, 'SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    await server.start();
    expect((await query(url, 'SELECT body FROM kept')).rows).toEqual([{ body: 'still here' }]);
  });

  it('close() removes the data directory and leaves no postgres process behind', async () => {
    const dataDir = String((await query(server.adminUrl, 'SHOW data_directory')).rows[0].data_directory);
    const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(alive(postmaster)).toBe(true);
    const processes = [postmaster, ...childrenOf(postmaster)];

    await server.close();

    expect(existsSync(dataDir)).toBe(false);
    expect(existsSync(dirname(dataDir))).toBe(false); // the whole temporary directory
    expect(processes.filter(alive)).toEqual([]);
    expect(pidsWithArgument(dirname(dataDir))).toEqual([]); // neither the server nor its watchdog
    await expect(query(server.adminUrl, 'SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(server.start()).rejects.toThrow(/closed/);
  });
});
