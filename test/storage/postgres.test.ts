import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isGatewayError } from '../../src/core/errors.js';
import { Secret } from '../../src/core/secret.js';
import type { Storage } from '../../src/core/storage.js';
import { openStorage } from '../../src/storage/open.js';
import { POSTGRES_DEFAULTS, type PostgresSettings } from '../../src/storage/postgres-settings.js';
import { startPostgres, type PgServer } from '../helpers/postgres.js';
import { versoriProvider } from '../../src/providers/versori/definition.js';
import { DEMO_ORGANISATION } from '../../src/providers/versori/fixtures.js';
import { startVersoriSimulator } from '../../src/providers/versori/simulator/index.js';
import { startGateway } from '../helpers/gateway.js';
import { storageConformance } from './conformance.js';

let server: PgServer;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.close();
});

const quiet = pino({ level: 'silent' });
const open = (url: string, settings: Partial<PostgresSettings> = {}, opts = {}) =>
  openStorage({ url: new Secret(url), postgres: { ...POSTGRES_DEFAULTS, ...settings } }, quiet, opts);

describe('storage conformance: PostgreSQL', () => {
  storageConformance({
    fresh: () => server.createDatabase(),
    open: (url, opts) => open(url, {}, opts),
    replicas: true,
    migrations: async (url) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (
          await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')
        ).rows.map((r) => r.version);
      } finally {
        await client.end();
      }
    },
  });
});

describe('PostgreSQL across replicas', () => {
  const opened: Storage[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
  });
  async function replicas(n: number, settings: Partial<PostgresSettings> = {}): Promise<Storage[]> {
    const url = await server.createDatabase();
    // Started at once: the migrations run once, under their advisory lock.
    const all = await Promise.all(Array.from({ length: n }, () => open(url, settings)));
    opened.push(...all);
    return all;
  }

  it('replicas starting at once migrate once', async () => {
    const [a] = await replicas(4);
    await a?.ping();
    const events = await a?.listAllEvents(0, 10);
    expect(events).toEqual([]);
  });

  it('the connection lock holds across replicas: one holder at a time, and it is held by no pooled connection', async () => {
    const all = await replicas(3, { poolSize: 2 });
    let inside = 0;
    let most = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (all[i % 3] as Storage).locks.run('cn_shared', async () => {
          inside += 1;
          most = Math.max(most, inside);
          // While holding the lock, the replica's pool (2 connections) still serves other queries.
          await Promise.all([all[i % 3]?.ping(), all[i % 3]?.ping(), all[i % 3]?.ping()]);
          inside -= 1;
          done += 1;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(done).toBe(12);
  });

  it('a holder that renews (alive, however slow) keeps the lock past its lease; one that died blocks no longer than the lease', async () => {
    const url = await server.createDatabase();
    const [a, b] = await Promise.all([
      open(url, { lockLeaseMs: 300, lockWaitMs: 10_000 }),
      open(url, { lockLeaseMs: 300, lockWaitMs: 10_000 }),
    ]);
    opened.push(a, b);
    let release!: () => void;
    const holding = a.locks.run(
      'cn_x',
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
    );
    await new Promise((r) => setTimeout(r, 50));
    let bIn = 0;
    const waiting = b.locks.run('cn_x', async () => {
      bIn = Date.now();
    });
    await new Promise((r) => setTimeout(r, 1_000)); // over three leases: a renewed it
    expect(bIn).toBe(0);
    const released = Date.now();
    release();
    await holding;
    await waiting;
    expect(bIn).toBeGreaterThanOrEqual(released);

    // A replica killed while holding: its lease row stays, nobody renews it.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(
      "INSERT INTO connection_leases (connection_id, holder, expires_at) VALUES ('cn_dead', 'killed-replica', clock_timestamp() + interval '300 milliseconds')",
    );
    await client.end();
    const before = Date.now();
    await b.locks.run('cn_dead', async () => {});
    const blocked = Date.now() - before;
    expect(blocked).toBeGreaterThanOrEqual(200);
    expect(blocked).toBeLessThan(2_000);
  });

  it('gives up waiting after lockWaitMs with 409 conflict', async () => {
    const [a, b] = await replicas(2, { lockLeaseMs: 5_000, lockWaitMs: 300 });
    let release!: () => void;
    const holding = (a as Storage).locks.run(
      'cn_y',
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
    );
    await new Promise((r) => setTimeout(r, 50));
    const e = await (b as Storage).locks.run('cn_y', async () => 'got it').catch((err: unknown) => err);
    expect(isGatewayError(e) && e.code).toBe('conflict');
    release();
    await holding;
    expect(await (b as Storage).locks.run('cn_y', async () => 'got it')).toBe('got it');
  });

  it('a message one replica publishes reaches the others, not itself', async () => {
    const [a, b, c] = (await replicas(3)) as [Storage, Storage, Storage];
    const heard: Record<string, string[]> = { a: [], b: [], c: [] };
    a.broadcast.subscribe((m) => heard['a']?.push(m));
    b.broadcast.subscribe((m) => heard['b']?.push(m));
    c.broadcast.subscribe((m) => heard['c']?.push(m));
    // LISTEN is set up asynchronously: publish until b and c have heard one.
    for (let i = 0; i < 100 && (heard['b']?.length === 0 || heard['c']?.length === 0); i++) {
      await a.broadcast.publish(`hello ${i}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(heard['b']?.[0]).toMatch(/^hello \d+$/);
    expect(heard['c']?.[0]).toMatch(/^hello \d+$/);
    expect(heard['a']).toEqual([]);
  });
});

describe('connection creates across replicas', () => {
  it('a create still running on one replica is not settled by another; an old unsettled one is', async () => {
    const sim = await startVersoriSimulator({ seedDemo: true });
    const url = await server.createDatabase();
    const providers = [
      {
        id: 'versori',
        type: 'versori',
        apiKey: sim.apiKey,
        baseUrl: sim.baseUrl,
        timeoutMs: 30_000,
        retry: { attempts: 1 },
      },
    ];
    const a = await startGateway({ definitions: [versoriProvider], providers, databaseUrl: url });
    const b = await startGateway({ definitions: [versoriProvider], providers, databaseUrl: url });
    try {
      expect(
        (
          await a.call('POST', '/v1/organizations', {
            body: { id: 'acme', name: 'Acme', links: { versori: DEMO_ORGANISATION.id } },
          })
        ).status,
      ).toBe(201);
      // A's create is held before the provider acts on it: its intent is committed, its call running.
      sim.kit.fault({ method: 'POST', path: '/connections$', stall: true, times: 1 });
      const running = a
        .call('POST', '/v1/organizations/acme/connections', {
          body: {
            provider: 'versori',
            kind: 'app_apikey',
            name: 'slow-one',
            credentials: { type: 'api_key', api_key: 'k-1' },
          },
        })
        .then(
          (r) => r.status,
          () => 0,
        );
      await vi.waitFor(async () => expect(await b.gateway.storage.pendingCreateIntents()).toHaveLength(1));
      const [fresh] = await b.gateway.storage.pendingCreateIntents();
      // An unsettled create of a replica that died an hour ago, never made upstream.
      await b.gateway.storage.insertCreateIntent({
        ...(fresh as NonNullable<typeof fresh>),
        id: 'cn_old',
        expected: { kind: 'app_apikey', name: 'never-made' },
        created_at: new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      });
      expect(await b.gateway.connections.reconcileCreates()).toEqual({ adopted: 0, dropped: 1 });
      expect((await b.gateway.storage.pendingCreateIntents()).map((i) => i.id)).toEqual([fresh?.id]);
      // The running create's own process settles it once its call ended without an answer.
      sim.kit.releaseStalls();
      expect(await running).toBe(502);
      expect(await a.gateway.connections.reconcileCreates()).toEqual({ adopted: 0, dropped: 1 });
      expect(await a.gateway.storage.pendingCreateIntents()).toEqual([]);
    } finally {
      await a.close();
      await b.close();
      await sim.close();
    }
  });
});
