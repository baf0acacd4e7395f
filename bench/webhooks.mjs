// Webhook benchmark (`npm run bench`, after the upstream one), on loopback, each subject in its own
// process, every figure a ratio to a baseline of the same run:
// - deliveries per second from one gateway process to a loopback receiver (5,000 deliveries
//   written into its outbox at once) against a raw undici client POSTing the same bodies to the same
//   receiver with as many requests in flight as the gateway allows itself (webhooks.concurrency);
// - the uncached GET's rps with webhooks enabled (an endpoint receiving every event) against the
//   same gateway without one, both while a writer makes 20 changes a second (goal ≥ 0.95×).
// Writes bench/results/webhooks.json and adds its section to latest.json and latest.md.
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { setTimeout as wait } from 'node:timers/promises';
import { Pool } from 'undici';
import { connId, orgId } from './ids.mjs';
import { freePort, median, ratio, root, startProcess } from './lib.mjs';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 4);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const DELIVERIES = 5_000;
const CONCURRENCY = 32;
const READS = 512;
const WRITES_PER_SECOND = 20;
const ADMIN_KEY = 'bench-admin-key-0123456789';
const AUTH = { authorization: `Bearer ${ADMIN_KEY}` };
const dir = mkdtempSync(join(tmpdir(), 'pb-bench-webhooks-'));
const log = (...a) => console.log(...a);

const upstreamPort = await freePort();
const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
await startProcess({
  args: ['bench/fake-upstream.mjs', String(upstreamPort)],
  url: upstreamUrl,
  readyPath: '/__count',
});
const receiverPort = await freePort();
const receiverUrl = `http://127.0.0.1:${receiverPort}`;
await startProcess({
  args: ['bench/receiver.mjs', String(receiverPort)],
  url: receiverUrl,
  readyPath: '/__count',
});
const received = async () => (await (await fetch(`${receiverUrl}/__count`)).json()).received;

async function call(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { ...AUTH, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function startGateway(name) {
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      database: { url: `sqlite:${join(dir, `${name}.db`)}` },
      auth: { adminKey: ADMIN_KEY },
      encryption: { key: Buffer.alloc(32, 7).toString('base64') },
      providers: [{ id: 'leen', type: 'leen', apiKey: 'bench', baseUrl: upstreamUrl }],
      webhooks: {
        allowHttp: true,
        allowPrivateNetworks: true,
        concurrency: CONCURRENCY,
        perEndpoint: Number(process.env['PER_ENDPOINT'] ?? 4),
      },
      monitor: { intervalMs: 0 },
    }),
  );
  const port = await freePort();
  const gw = await startProcess({
    // PROFILE_DIR: a CPU profile of the gateway with webhooks (written when it stops).
    args: [
      ...(process.env['PROFILE_DIR'] && name === 'hooks-on'
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env['PROFILE_DIR']}`]
        : []),
      'dist/main.js',
    ],
    url: `http://127.0.0.1:${port}`,
    readyPath: '/readyz',
    logFile: join(dir, `${name}.log`),
    env: { GATEWAY_CONFIG: file, PORT: String(port), LOG_LEVEL: 'info' },
  });
  for (const id of ['bench', 'writes']) {
    const r = await call(gw.url, 'POST', '/v1/organizations', {
      id,
      name: id,
      links: { leen: orgId('bench-up') },
    });
    if (r.status !== 201) throw new Error(`${name} org ${id}: ${r.status}`);
  }
  const db = new Database(join(dir, `${name}.db`));
  db.pragma('busy_timeout = 5000');
  const row =
    db.prepare(`INSERT INTO connections (id, organization_id, provider_id, external_org_id, external_id, kind, created_at)
    VALUES (?, 'bench', 'leen', ?, ?, 'TENABLE', '2026-12-01T00:00:00.000Z')`);
  const ids = [];
  db.transaction(() => {
    for (let i = 0; i < READS; i++) {
      const id = `cn_wh${String(i).padStart(4, '0')}`;
      row.run(id, orgId('bench-up'), connId('bench-up', i));
      ids.push(id);
    }
  })();
  db.close();
  return { ...gw, ids, db: join(dir, `${name}.db`) };
}

/** A writer making `WRITES_PER_SECOND` changes a second (each an event) until stopped. */
function writer(gw) {
  let on = true;
  let n = 0;
  const done = (async () => {
    while (on) {
      const t = performance.now();
      await call(gw.url, 'PATCH', '/v1/organizations/writes', { name: `w${(n += 1)}` });
      await wait(Math.max(0, 1000 / WRITES_PER_SECOND - (performance.now() - t)));
    }
  })();
  return async () => {
    on = false;
    await done;
    return n;
  };
}

function load(gw) {
  // Read in random order, as the upstream bench does, so that concurrent reads rarely share an upstream call.
  const requests = [
    {
      method: 'GET',
      setupRequest: (req) => ({
        ...req,
        path: `/v1/organizations/bench/connections/${gw.ids[Math.floor(Math.random() * gw.ids.length)]}`,
      }),
    },
  ];
  return new Promise((ok, fail) => {
    autocannon(
      { url: gw.url, connections: CONNECTIONS, duration: SECONDS, headers: AUTH, requests },
      (err, r) => {
        if (err) return fail(err);
        if (r.non2xx > 0 || r.errors > 0)
          return fail(new Error(`${gw.url}: ${r.non2xx} non-2xx, ${r.errors} errors`));
        ok(r.requests.average);
      },
    );
  });
}

const off = await startGateway('hooks-off');
const on = await startGateway('hooks-on');
const hook = await call(on.url, 'POST', '/v1/webhooks', {
  url: `${receiverUrl}/hook`,
  organization_ids: ['*'],
});
if (hook.status !== 201) throw new Error(`webhook: ${hook.status} ${JSON.stringify(hook.body)}`);

// ---- uncached GET with webhooks on and off: paired rounds, the order alternating, each round's
// ratio taken on its own (the machine drifts between rounds more than within one), their median kept.
const PAIRS = Number(process.env['WEBHOOK_ROUNDS'] ?? 6);
const rps = { off: [], on: [] };
const ratios = [];
const receivedBefore = await received();
for (let round = 0; round < PAIRS; round++) {
  const order = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
  const got = {};
  for (const name of order) {
    const gw = name === 'on' ? on : off;
    const stop = writer(gw);
    got[name] = await load(gw);
    const writes = await stop();
    rps[name].push(got[name]);
    log(`round ${round + 1} ${name}: ${Math.round(got[name])} rps (${writes} writes meanwhile)`);
  }
  ratios.push(got.on / got.off);
}
// The endpoint's deliveries caught up: what the writer's changes made while the reads ran.
await wait(1500);
const deliveredDuringReads = (await received()) - receivedBefore;

// ---- deliveries per second: the outbox filled at once, drained by one gateway process
const db = new Database(on.db);
db.pragma('busy_timeout = 5000');
const at = new Date().toISOString();
const body = JSON.stringify({ name: 'x'.repeat(200) });
const event =
  db.prepare(`INSERT INTO events (id, type, organization_id, connection_id, api_key_id, actor, changed, request_id, at, data, connection)
  VALUES (?, 'organization.updated', 'writes', NULL, NULL, 'bench', '["name"]', NULL, ?, ?, NULL)`);
const delivery =
  db.prepare(`INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, status, attempts, next_attempt_at, created_at)
  VALUES (?, ?, ?, 'organization.updated', 'pending', 0, ?, ?)`);
const start = await received();
db.transaction(() => {
  for (let i = 0; i < DELIVERIES; i++) {
    event.run(`ev_bench${i}`, at.replace(/\.\d{3}Z$/, 'Z'), body);
    delivery.run(`dl_bench${i}`, hook.body.id, `ev_bench${i}`, at, at);
  }
})();
db.close();
const t0 = performance.now();
while ((await received()) - start < DELIVERIES) {
  if (performance.now() - t0 > 120_000) throw new Error('deliveries did not drain in 120 s');
  await wait(20);
}
const gatewayPerSecond = DELIVERIES / ((performance.now() - t0) / 1000);

// ---- baseline: the same bodies POSTed by a raw undici client, as many in flight
const pool = new Pool(receiverUrl, { connections: CONCURRENCY });
const payload = JSON.stringify({
  type: 'organization.updated',
  timestamp: at,
  data: { id: 'ev', name: 'x'.repeat(200) },
});
const b0 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < DELIVERIES) {
      next += 1;
      const r = await pool.request({
        path: '/hook',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: payload,
      });
      await r.body.dump();
    }
  }),
);
const rawPerSecond = DELIVERIES / ((performance.now() - b0) / 1000);
await pool.close();

const results = {
  node: process.version,
  settings: {
    seconds: SECONDS,
    rounds: PAIRS,
    connections: CONNECTIONS,
    deliveries: DELIVERIES,
    concurrency: CONCURRENCY,
    writes_per_second: WRITES_PER_SECOND,
  },
  uncached_get: {
    off_rps: Math.round(median(rps.off)),
    on_rps: Math.round(median(rps.on)),
    on_vs_off: ratio(median(ratios), 1),
    round_ratios: ratios.map((r) => ratio(r, 1)),
    goal: '>= 0.95',
    deliveries_during_reads: deliveredDuringReads,
  },
  deliveries: {
    gateway_per_second: Math.round(gatewayPerSecond),
    raw_client_per_second: Math.round(rawPerSecond),
    gateway_vs_raw: ratio(gatewayPerSecond, rawPerSecond),
  },
};
log(JSON.stringify(results, null, 2));
const out = join(root, 'bench/results');
writeFileSync(join(out, 'webhooks.json'), `${JSON.stringify(results, null, 2)}\n`);
const md = [
  '',
  `Webhooks (${results.node}):`,
  '',
  '| figure | measured | baseline | ratio | goal |',
  '| --- | --- | --- | --- | --- |',
  `| uncached GET rps, an endpoint receiving every event vs none (${WRITES_PER_SECOND} writes/s in both; median of ${PAIRS} paired rounds) | ${results.uncached_get.on_rps} | ${results.uncached_get.off_rps} | ${results.uncached_get.on_vs_off}× | ≥ 0.95× |`,
  `| deliveries/s from one process to a loopback receiver vs a raw undici client (${CONCURRENCY} in flight) | ${results.deliveries.gateway_per_second} | ${results.deliveries.raw_client_per_second} | ${results.deliveries.gateway_vs_raw}× | |`,
  '',
].join('\n');
writeFileSync(join(out, 'webhooks.md'), md);
const latestJson = join(out, 'latest.json');
if (existsSync(latestJson)) {
  const latest = JSON.parse(readFileSync(latestJson, 'utf8'));
  writeFileSync(latestJson, `${JSON.stringify({ ...latest, webhooks: results }, null, 2)}\n`);
  const latestMd = join(out, 'latest.md');
  if (existsSync(latestMd))
    writeFileSync(latestMd, `${readFileSync(latestMd, 'utf8').replace(/\nWebhooks \(.*$/s, '')}${md}`);
}
await Promise.all([on.stop(), off.stop()]);
process.exit(0);
