import { rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Connection } from '../../src/core/connection.js';
import { fingerprint } from '../../src/simulator/fingerprint.js';
import { startVersoriSimulator, type VersoriSimulator } from '../../src/providers/versori/simulator/index.js';
import { addOrganisation, type SimConnection } from '../../src/providers/versori/simulator/state.js';
import { startPostgres, type PgServer } from '../helpers/postgres.js';
import {
  caller,
  buildDist,
  kill9,
  startGatewayProcess,
  stopGatewayProcess,
  writeGatewayConfig,
  type GatewayProcess,
} from '../helpers/process.js';

/**
 * Replicas: real gateway processes (`node dist/main.js`) on one PostgreSQL database, requests
 * alternating between them, against a Versori simulator in this process. What one replica does
 * must hold for the other: one upstream create per Idempotency-Key, no lost update between
 * concurrent PATCHes, one gateway id per upstream connection, revoked keys refused, read caches
 * dropped on the other's writes, 503 (not 500, not a hang) while the database is down, and a
 * replica killed holding a connection's lock blocking the others no longer than its lease.
 * Measured numbers are printed (`[replicas] …`).
 */

const ADMIN = 'replicas-test-admin-key-0123456789';
const DB = { connectTimeoutMs: 1_000, statementTimeoutMs: 2_000, lockLeaseMs: 1_500 };

let server: PgServer;
let sim: VersoriSimulator;
let dbUrl: string;
let dir: string;
let config: string;
let a: GatewayProcess;
let b: GatewayProcess;
const started: GatewayProcess[] = [];

const report = (line: string) => process.stdout.write(`[replicas] ${line}\n`);

/** Gateways this file stops or kills itself; any other exit is a crash, shown with what the process printed. */
const ending = new Set<GatewayProcess>();

async function start(): Promise<GatewayProcess> {
  const gw = await startGatewayProcess(config);
  started.push(gw);
  void gw.exit.then((code) => {
    if (!ending.has(gw))
      process.stderr.write(
        `[replicas] gateway ${gw.url} exited (${code}) unexpectedly:\n${gw
          .output()
          .split('\n')
          .filter((l) => !l.includes('"level":30'))
          .slice(-20)
          .join('\n')}\n`,
      );
  });
  return gw;
}

beforeAll(async () => {
  const [, pgServer, simulator] = await Promise.all([buildDist(), startPostgres(), startVersoriSimulator()]);
  server = pgServer;
  sim = simulator;
  dbUrl = await server.createDatabase();
  const versori = {
    type: 'versori',
    apiKey: sim.apiKey,
    baseUrl: sim.baseUrl,
    timeoutMs: 15_000,
    retry: { attempts: 1 },
  };
  ({ dir, file: config } = writeGatewayConfig(
    'pb-replicas-',
    ADMIN,
    [
      { id: 'versori', ...versori },
      // The same upstream through an entry with a read cache far longer than any test.
      { id: 'versori-cached', ...versori, cache: { ttlMs: 60_000 } },
    ],
    { url: dbUrl, ...DB },
  ));
  // Started at once: both migrate the fresh database (under the migration lock).
  [a, b] = await Promise.all([start(), start()]);
}, 60_000);

afterAll(async () => {
  for (const gw of started) ending.add(gw);
  await Promise.all(started.map((gw) => stopGatewayProcess(gw)));
  await sim?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

afterEach(() => sim.kit.clearFaults());

const call = caller(ADMIN);

let orgs = 0;
/** A gateway organization linked (through `provider`) to a fresh simulated Versori organisation. */
async function newOrganization(
  provider = 'versori',
): Promise<{ org: string; upstream: string; base: string }> {
  orgs += 1;
  const upstream = `vorg-${orgs}`;
  addOrganisation(sim.state, upstream);
  const org = `org-${orgs}`;
  const res = await call(a, 'POST', '/v1/organizations', {
    id: org,
    name: org,
    links: { [provider]: upstream },
  });
  expect(res.status).toBe(201);
  return { org, upstream, base: `/v1/organizations/${org}/connections` };
}

const apiKeyBody = (provider: string, name: string, secret: string) => ({
  provider,
  kind: 'app_apikey',
  name,
  credentials: { type: 'api_key', api_key: secret },
});

async function createConnection(
  gw: GatewayProcess,
  base: string,
  provider: string,
  name: string,
  secret: string,
): Promise<Connection> {
  const res = await call(gw, 'POST', base, apiKeyBody(provider, name, secret));
  expect(res.status).toBe(201);
  return (await res.json()) as Connection;
}

function upstreamConnections(upstream: string): SimConnection[] {
  return Object.values(sim.state.organisations[upstream]?.connections ?? {});
}

function upstreamConnection(upstream: string, id: string): SimConnection {
  const c = sim.state.organisations[upstream]?.connections[id];
  if (!c) throw new Error(`no upstream connection ${id} in ${upstream}`);
  return c;
}

async function list(gw: GatewayProcess, base: string): Promise<Connection[]> {
  const res = await call(gw, 'GET', `${base}?limit=200`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: Connection[] }).data;
}

/** One statement on the gateways' database, from a connection of its own. */
async function query<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: dbUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('two replicas on one PostgreSQL database', () => {
  it('100 parallel creates with one Idempotency-Key across both replicas: one upstream create, 201 or 409, then replays', async () => {
    const { upstream, base } = await newOrganization();
    const creates = new RegExp(`/organisations/${escape(upstream)}/connections$`);
    // A slow upstream create: every other request arrives while the first still runs.
    sim.kit.fault({ method: 'POST', path: creates.source, latencyMs: 1_500 });
    const body = apiKeyBody('versori', 'idempotent-one', 'secret-idem');
    const send = (i: number) =>
      call(i % 2 === 0 ? a : b, 'POST', base, body, { 'idempotency-key': 'replicas-idem-1' });
    const N = 100;
    const answers = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const res = await send(i);
        return {
          i,
          status: res.status,
          replayed: res.headers.get('idempotent-replayed'),
          type: res.headers.get('content-type'),
          location: res.headers.get('location'),
          etag: res.headers.get('etag'),
          text: await res.text(),
        };
      }),
    );
    sim.kit.clearFaults();

    expect(sim.kit.count('POST', creates)).toBe(1);
    expect(upstreamConnections(upstream).filter((c) => c.name === 'idempotent-one')).toHaveLength(1);
    const statuses = [...new Set(answers.map((x) => x.status))].sort();
    expect(
      statuses.every((s) => s === 201 || s === 409),
      `statuses ${statuses.join(',')}`,
    ).toBe(true);
    const firsts = answers.filter((x) => x.status === 201 && x.replayed === null);
    expect(firsts).toHaveLength(1);
    const first = firsts[0] as (typeof answers)[number];
    const conflicts = answers.filter((x) => x.status === 409);
    for (const x of conflicts) {
      expect(x.type).toBe('application/problem+json');
      expect(JSON.parse(x.text)).toMatchObject({ code: 'idempotency_in_progress' });
    }
    // The requests overlapped, on both replicas.
    expect(conflicts.some((x) => x.i % 2 === 0)).toBe(true);
    expect(conflicts.some((x) => x.i % 2 === 1)).toBe(true);
    const early = answers.filter((x) => x.status === 201 && x.replayed === 'true');
    report(
      `idempotency: ${N} requests, ${sim.kit.count('POST', creates)} upstream create, 201 first=${firsts.length} replayed=${early.length}, 409=${conflicts.length}` +
        ` (replica A ${conflicts.filter((x) => x.i % 2 === 0).length}, B ${conflicts.filter((x) => x.i % 2 === 1).length})`,
    );

    // Each request again: the first answer, replayed, on either replica.
    const retried = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const res = await send(i);
        return {
          status: res.status,
          replayed: res.headers.get('idempotent-replayed'),
          location: res.headers.get('location'),
          etag: res.headers.get('etag'),
          text: await res.text(),
        };
      }),
    );
    for (const r of retried) {
      expect(r).toEqual({
        status: 201,
        replayed: 'true',
        location: first.location,
        etag: first.etag,
        text: first.text,
      });
    }
    expect(sim.kit.count('POST', creates)).toBe(1);
    // One gateway connection, the same on both replicas.
    const id = (JSON.parse(first.text) as Connection).id;
    for (const gw of [a, b]) expect((await list(gw, base)).map((c) => c.id)).toEqual([id]);
  }, 30_000);

  it('concurrent PATCHes of name and credentials on the two replicas lose no update (Versori replaces whole connections)', async () => {
    const { upstream, base } = await newOrganization();
    const created = await createConnection(a, base, 'versori', 'patched-0', 'secret-0');
    const ext = created.external.connection_id;
    const path = `${base}/${created.id}`;
    // A little upstream latency, so each round's two read-merge-writes would interleave without the lock.
    sim.kit.fault({ path: `/connections/${escape(ext)}$`, latencyMs: 15 });
    const ROUNDS = 50;
    let rounds = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const [renamer, rekeyer] = round % 2 === 0 ? [a, b] : [b, a];
      const [renamed, rekeyed] = await Promise.all([
        call(renamer, 'PATCH', path, { name: `patched-${round}` }),
        call(rekeyer, 'PATCH', path, { credentials: { type: 'api_key', api_key: `secret-${round}` } }),
      ]);
      expect(
        [renamed.status, rekeyed.status],
        `round ${round}: ${await renamed.clone().text()} ${await rekeyed.clone().text()}`,
      ).toEqual([200, 200]);
      const now = upstreamConnection(upstream, ext);
      expect(now.name, `round ${round}`).toBe(`patched-${round}`);
      // The secret Versori holds is the last one sent: the rename replayed it, not an older copy.
      expect(now.dataFingerprint, `round ${round}`).toBe(fingerprint({ apiKey: `secret-${round}` }));
      rounds += 1;
    }
    const puts = sim.kit.count('PUT', new RegExp(`/connections/${escape(ext)}$`));
    report(`concurrent PATCH: ${rounds}/${ROUNDS} rounds without a lost update (${puts} upstream PUTs)`);
    expect(rounds).toBe(ROUNDS);
    for (const gw of [a, b]) {
      const res = await call(gw, 'GET', path);
      expect(await res.json()).toMatchObject({ name: `patched-${ROUNDS}`, credentials: { stored: true } });
    }
  }, 30_000);

  it('two replicas listing new upstream connections at once give each one gateway id, the same on both', async () => {
    const { org, upstream, base } = await newOrganization();
    const ids = new Map<string, string>(); // upstream id → gateway id
    const ROUNDS = 5;
    const PER_ROUND = 4;
    for (let round = 1; round <= ROUNDS; round++) {
      // Made at the provider directly: the gateway meets them first in the lists below.
      for (let k = 1; k <= PER_ROUND; k++) {
        const res = await fetch(`${sim.baseUrl}/organisations/${upstream}/connections`, {
          method: 'POST',
          headers: { authorization: sim.apiKey, 'content-type': 'application/json' },
          body: JSON.stringify({
            name: `direct-${round}-${k}`,
            appId: 'app_apikey',
            authType: 'apikey',
            data: { apiKey: 'direct' },
          }),
        });
        expect(res.status).toBe(201);
      }
      const lists = await Promise.all([a, b, a, b].map((gw) => list(gw, base)));
      const expected = upstreamConnections(upstream)
        .map((c) => c.id)
        .sort();
      for (const l of lists) {
        expect(l.map((c) => c.external.connection_id).sort()).toEqual(expected);
        expect(new Set(l.map((c) => c.id)).size).toBe(l.length);
        for (const c of l) {
          const known = ids.get(c.external.connection_id);
          if (known === undefined) ids.set(c.external.connection_id, c.id);
          else expect(c.id, `upstream ${c.external.connection_id}`).toBe(known);
        }
      }
    }
    // The database agrees: one live row per upstream connection.
    const rows = await query<{ external_id: string; n: string }>(
      'SELECT external_id, count(*)::text AS n FROM connections WHERE organization_id = $1 AND deleted_at IS NULL GROUP BY external_id',
      [org],
    );
    expect(rows).toHaveLength(ROUNDS * PER_ROUND);
    expect(rows.every((r) => r.n === '1')).toBe(true);
    expect(ids.size).toBe(ROUNDS * PER_ROUND);
    report(
      `concurrent lists: ${ROUNDS} rounds × 4 lists (2 per replica), ${ids.size} upstream connections, one gateway id each`,
    );
  }, 30_000);

  it('an API key works on both replicas; revoked on A, B refuses it within 1 s', async () => {
    const { org } = await newOrganization();
    const made = await call(a, 'POST', '/v1/api-keys', {
      name: 'replicated',
      organization_ids: [org],
      scopes: ['organizations:read'],
    });
    expect(made.status).toBe(201);
    const { id, key } = (await made.json()) as { id: string; key: string };
    const asKey = (gw: GatewayProcess) =>
      call(gw, 'GET', `/v1/organizations/${org}`, undefined, { authorization: `Bearer ${key}` });
    expect((await asKey(a)).status).toBe(200);
    expect((await asKey(b)).status).toBe(200);

    expect((await call(a, 'DELETE', `/v1/api-keys/${id}`)).status).toBe(204);
    const revokedAt = performance.now();
    let refusedAfter = Number.NaN;
    await vi.waitFor(
      async () => {
        const res = await asKey(b);
        expect(res.status).toBe(401);
        refusedAfter = performance.now() - revokedAt;
      },
      { timeout: 1_000, interval: 10 },
    );
    report(
      `API key revocation: refused by replica B ${refusedAfter.toFixed(1)} ms after the revocation on A`,
    );
    expect(refusedAfter).toBeLessThan(1_000);
    expect((await asKey(a)).status).toBe(401);
  });

  it("with the replicas' notification connections cut, a key revoked on A is still refused by B within 1 s", async () => {
    const { org } = await newOrganization();
    const made = await call(a, 'POST', '/v1/api-keys', {
      name: 'unheard',
      organization_ids: [org],
      scopes: ['organizations:read'],
    });
    const { id, key } = (await made.json()) as { id: string; key: string };
    const asKey = (gw: GatewayProcess) =>
      call(gw, 'GET', `/v1/organizations/${org}`, undefined, { authorization: `Bearer ${key}` });
    expect((await asKey(b)).status).toBe(200);
    // Every replica's LISTEN connection is ended by the server: the revocation's NOTIFY reaches nobody.
    const admin = new pg.Client({ connectionString: dbUrl });
    await admin.connect();
    let cut: number;
    try {
      const r = await admin.query<{ n: string }>(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN %'",
      );
      cut = Number(r.rows[0]?.n);
    } finally {
      await admin.end();
    }
    expect(cut).toBeGreaterThanOrEqual(2);
    expect((await call(a, 'DELETE', `/v1/api-keys/${id}`)).status).toBe(204);
    const revokedAt = performance.now();
    let askedAfter = Number.NaN;
    await vi.waitFor(
      async () => {
        const asked = performance.now();
        expect((await asKey(b)).status).toBe(401);
        askedAfter = asked - revokedAt;
      },
      { timeout: 2_000, interval: 10 },
    );
    report(
      `API key revocation with ${cut} notification connections cut: refused by replica B ${askedAfter.toFixed(1)} ms after the revocation on A`,
    );
    expect(askedAfter).toBeLessThan(1_000);
  });

  it("a write on A drops the connection from B's read cache (TTL 60 s): B shows the change at once", async () => {
    const { upstream, base } = await newOrganization('versori-cached');
    const created = await createConnection(a, base, 'versori-cached', 'cached-0', 'secret-cached');
    const ext = created.external.connection_id;
    const path = `${base}/${created.id}`;
    const reads = () => sim.kit.count('GET', new RegExp(`/connections/${escape(ext)}$`));
    const nameOn = async (gw: GatewayProcess) => {
      const res = await call(gw, 'GET', path);
      expect(res.status).toBe(200);
      return ((await res.json()) as Connection).name;
    };

    expect(await nameOn(b)).toBe('cached-0');
    // B answers from its cache now: a change made at the provider directly does not show, and B asks nothing.
    upstreamConnection(upstream, ext).name = 'changed-at-provider';
    const before = reads();
    expect(await nameOn(b)).toBe('cached-0');
    expect(reads()).toBe(before);

    expect((await call(a, 'PATCH', path, { name: 'renamed-on-a' })).status).toBe(200);
    const patchedAt = performance.now();
    let seenAfter = Number.NaN;
    await vi.waitFor(
      async () => {
        expect(await nameOn(b)).toBe('renamed-on-a');
        seenAfter = performance.now() - patchedAt;
      },
      { timeout: 2_000, interval: 10 },
    );
    report(
      `read cache: replica B shows A's rename ${seenAfter.toFixed(1)} ms after A answered (cache TTL 60000 ms)`,
    );
    expect(seenAfter).toBeLessThan(2_000);
  });

  it('PostgreSQL stopped: both replicas answer 503 storage_unavailable within the timeouts, /readyz 503; started again: both resume', async () => {
    const { org, base } = await newOrganization();
    const made = await call(a, 'POST', '/v1/api-keys', {
      name: 'during-outage',
      organization_ids: [org],
      scopes: ['organizations:read'],
    });
    const { key } = (await made.json()) as { key: string };
    const requests: Array<[string, (gw: GatewayProcess) => Promise<Response>]> = [
      ['GET organization (admin key)', (gw) => call(gw, 'GET', `/v1/organizations/${org}`)],
      [
        'GET organization (API key)',
        (gw) => call(gw, 'GET', `/v1/organizations/${org}`, undefined, { authorization: `Bearer ${key}` }),
      ],
      [
        'POST connection (Idempotency-Key)',
        (gw) =>
          call(gw, 'POST', base, apiKeyBody('versori', 'during-outage', 's'), {
            'idempotency-key': 'outage-1',
          }),
      ],
      ['GET connections', (gw) => call(gw, 'GET', base)],
    ];
    const limit = DB.connectTimeoutMs + DB.statementTimeoutMs + 1_000;
    await server.stop();
    let slowest = 0;
    try {
      for (const [name, gw] of [
        ['A', a],
        ['B', b],
      ] as const) {
        for (const [what, send] of requests) {
          const t0 = performance.now();
          const res = await send(gw);
          const ms = performance.now() - t0;
          slowest = Math.max(slowest, ms);
          expect(res.status, `${name} ${what}`).toBe(503);
          expect(res.headers.get('content-type')).toBe('application/problem+json');
          expect(await res.json(), `${name} ${what}`).toMatchObject({
            status: 503,
            code: 'storage_unavailable',
          });
          expect(ms, `${name} ${what}`).toBeLessThan(limit);
          report(`database down: replica ${name} ${what} → 503 storage_unavailable in ${ms.toFixed(1)} ms`);
        }
        const t0 = performance.now();
        const ready = await fetch(`${gw.url}/readyz`);
        const ms = performance.now() - t0;
        expect(ready.status, `${name} /readyz`).toBe(503);
        expect(ms).toBeLessThan(limit);
        report(`database down: replica ${name} /readyz → 503 in ${ms.toFixed(1)} ms`);
      }
    } finally {
      await server.start();
    }
    const restartedAt = performance.now();
    for (const gw of [a, b]) {
      await vi.waitFor(
        async () => {
          expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);
          expect(
            (await call(gw, 'GET', `/v1/organizations/${org}`, undefined, { authorization: `Bearer ${key}` }))
              .status,
          ).toBe(200);
        },
        { timeout: 10_000, interval: 50 },
      );
    }
    const resumedAfter = performance.now() - restartedAt;
    // Writes too, on both, without a restart of either.
    await createConnection(a, base, 'versori', 'after-outage-a', 'secret-a');
    await createConnection(b, base, 'versori', 'after-outage-b', 'secret-b');
    report(
      `database down: slowest 503 ${slowest.toFixed(1)} ms (limit ${limit} ms); both replicas ready ${resumedAfter.toFixed(1)} ms after PostgreSQL started again`,
    );
  }, 40_000);

  it("a replica killed (SIGKILL) holding a connection's lock blocks the others only until its lease ends", async () => {
    const { upstream, base } = await newOrganization();
    const created = await createConnection(a, base, 'versori', 'locked-0', 'secret-locked');
    const ext = created.external.connection_id;
    const path = `${base}/${created.id}`;
    const doomed = await start();
    // Its read-merge-write stalls at the provider: the replica holds the connection's lock meanwhile.
    sim.kit.fault({ method: 'GET', path: `/connections/${escape(ext)}$`, stall: true, times: 1 });
    const stalls = sim.kit.stalls().total;
    const pending = call(doomed, 'PATCH', path, { name: 'from-the-killed-one' }).catch(() => null);
    await vi.waitFor(() => expect(sim.kit.stalls().total).toBe(stalls + 1), { timeout: 10_000 });
    const lease = async () => {
      const rows = await query<{ holder: string; live: boolean; expires: string }>(
        'SELECT holder, expires_at > clock_timestamp() AS live, expires_at::text AS expires FROM connection_leases WHERE connection_id = $1',
        [created.id],
      );
      expect(rows).toHaveLength(1);
      return rows[0] as { holder: string; live: boolean; expires: string };
    };
    const taken = await lease();
    expect(taken.live).toBe(true);
    expect(taken.holder).toContain(`:${doomed.child.pid}:`);
    // Renewed while held: the replica is killed with a lease it has just extended.
    await vi.waitFor(async () => expect((await lease()).expires).not.toBe(taken.expires), {
      timeout: DB.lockLeaseMs * 2,
      interval: 25,
    });

    ending.add(doomed);
    await kill9(doomed);
    const killedAt = performance.now();
    await pending;
    const res = await call(b, 'PATCH', path, { name: 'from-b' });
    const waited = performance.now() - killedAt;
    expect(res.status, await res.clone().text()).toBe(200);
    expect(upstreamConnection(upstream, ext).name).toBe('from-b');
    expect(upstreamConnection(upstream, ext).dataFingerprint).toBe(fingerprint({ apiKey: 'secret-locked' }));
    report(
      `lock after SIGKILL: replica B's PATCH answered ${waited.toFixed(1)} ms after the kill (lease ${DB.lockLeaseMs} ms, renewed every ${DB.lockLeaseMs / 3} ms)`,
    );
    // Blocked by the dead replica's lease (renewed every third of it, so at least two thirds were left at the kill)…
    expect(waited).toBeGreaterThan(DB.lockLeaseMs / 2);
    // …and not beyond it, plus B's own request.
    expect(waited).toBeLessThan(DB.lockLeaseMs + 1_000);
  }, 30_000);
});
