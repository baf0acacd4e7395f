// A quick paired check while working on the hot path (not part of `npm run bench`): the raw proxy
// and the gateway (dist/main.js, SQLite, LOG_LEVEL=info, a scoped API key), uncached single GETs
// over 256 connections, ROUNDS alternating rounds of SECONDS each; prints the median ratio.
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { connId, orgId } from './ids.mjs';
import { freePort, median, readerKey, startProcess } from './lib.mjs';

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
writeFileSync(
  config,
  JSON.stringify({
    database: { url: `sqlite:${db}` },
    auth: { adminKey: ADMIN_KEY },
    encryption: { key: Buffer.alloc(32, 7).toString('base64') },
    providers: [{ id: 'leen', type: 'leen', apiKey: 'bench', baseUrl: `http://127.0.0.1:${upPort}` }],
  }),
);
const port = await freePort();
const gw = await startProcess({
  args: [...(process.env['GW_ARGS'] ?? '').split(' ').filter(Boolean), 'dist/main.js'],
  url: `http://127.0.0.1:${port}`,
  readyPath: '/readyz',
  logFile: process.env['GW_LOG'] ?? null,
  env: { GATEWAY_CONFIG: config, PORT: String(port), LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info' },
});
const org = await fetch(`${gw.url}/v1/organizations`, {
  method: 'POST',
  headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
  body: JSON.stringify({ id: 'bench', name: 'bench', links: { leen: orgId('bench-up') } }),
});
if (org.status !== 201) throw new Error(`org ${org.status}`);
const reader = await readerKey(gw.url, ADMIN_KEY);
const sqlite = new Database(db);
sqlite.pragma('busy_timeout = 5000');
const insert = sqlite.prepare(
  `INSERT INTO connections (id, organization_id, provider_id, external_org_id, external_id, kind, created_at) VALUES (?, 'bench', 'leen', ?, ?, 'TENABLE', '2026-12-01T00:00:00.000Z')`,
);
const paths = [];
const table = {};
sqlite.transaction(() => {
  for (let i = 0; i < 256; i++) {
    const id = `cn_q${String(i).padStart(4, '0')}`;
    insert.run(id, orgId('bench-up'), connId('bench-up', i));
    paths.push(`/v1/organizations/bench/connections/${id}`);
    table[id] = { org: orgId('bench-up'), id: connId('bench-up', i) };
  }
})();
sqlite.close();
paths.sort(() => Math.random() - 0.5);
const bPort = await freePort();
const baseline = await startProcess({
  args: ['bench/baseline.mjs', String(bPort), `http://127.0.0.1:${upPort}`, JSON.stringify(table)],
  url: `http://127.0.0.1:${bPort}`,
  readyPath: paths[0],
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
const ratios = [];
for (let r = 0; r < ROUNDS; r++) {
  const b = await load(baseline.url, SECONDS);
  const g = await load(gw.url, SECONDS);
  ratios.push(g.requests.average / b.requests.average);
  console.log(
    `round ${r + 1}: raw ${Math.round(b.requests.average)} rps p99 ${b.latency.p99} ms; gateway ${Math.round(g.requests.average)} rps p99 ${g.latency.p99} ms; ${(g.requests.average / b.requests.average).toFixed(2)}×`,
  );
}
console.log(`median ratio ${median(ratios).toFixed(2)}×`);
await Promise.all([gw.stop(), baseline.stop(), upstream.stop()]);
