// CPU µs per request by stage (`npm run bench`, or `npm run bench:profile` alone): the gateway's
// uncached single GET under closed-loop load, profiled with V8's sampling profiler (--cpu-prof), its
// samples attributed to the stage whose code they ran, and divided by the requests served. The
// gateway runs from an unbundled build of src/ (dist-profile/, one file per source file, made here by
// esbuild) so a sample names its source file; every other figure of the bench uses the bundled
// dist/ as users do. Writes bench/results/profile.json and profile.md.
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import process from 'node:process';
import { build } from 'esbuild';
import { connId, orgId } from './ids.mjs';
import { freePort, readerKey, root, startProcess } from './lib.mjs';

const SECONDS = Number(process.env['BENCH_PROFILE_SECONDS'] ?? 6);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const READS = 256;
const ADMIN_KEY = 'bench-admin-key-0123456789';
const AUTH = { authorization: `Bearer ${ADMIN_KEY}` };
const dir = mkdtempSync(join(tmpdir(), 'pb-bench-profile-'));
const out = join(root, 'dist-profile');

/**
 * Stages, first match wins, tested against a sample's frames from the innermost outwards (Node's own
 * frames, `node:…`, are skipped: a write is charged to whoever asked for it). Paths are relative to
 * the repository (src/… or node_modules/…).
 */
const STAGES = [
  [
    'log',
    /node_modules\/(pino|pino-std-serializers|sonic-boom|thread-stream|fast-redact|@pinojs)\/|src\/logger\.ts|middleware\/request-scope/,
  ],
  ['metrics', /node_modules\/prom-client\/|middleware\/metrics|src\/upstream\/metrics/],
  ['auth', /middleware\/auth|services\/api-keys|api-key-token|src\/core\/caller/],
  [
    'lookup',
    /node_modules\/(kysely|better-sqlite3)\/|src\/storage\/|connections\/connection-index|services\/organizations/,
  ],
  ['upstream', /node_modules\/undici\/|src\/upstream\//],
  ['mapping', /src\/providers\//],
  ['validation', /node_modules\/(zod|@hono\/zod-openapi|@asteasolutions)\/|http\/validation/],
  [
    'response',
    /node_modules\/(hono|@hono\/node-server)\/|src\/http\/|src\/core\/etag|connections\/canonical/,
  ],
  ['services', /src\/core\//],
];

async function buildUnbundled() {
  rmSync(out, { recursive: true, force: true });
  const entries = [];
  const walk = (d) => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, f.name);
      if (f.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) entries.push(p);
    }
  };
  walk(join(root, 'src'));
  await build({
    entryPoints: entries,
    outdir: out,
    outbase: join(root, 'src'),
    bundle: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: false,
    logLevel: 'warning',
  });
  // The unbundled files import './x.js' exactly as the sources do; no rewrite needed.
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
}

/** The stage of one sample: its frames innermost first, each as a repository path or null (Node's own). */
function stageOf(frames) {
  for (const f of frames) {
    if (f === null) continue;
    for (const [name, re] of STAGES) if (re.test(f)) return name;
  }
  // Only Node's own frames: its HTTP server, streams, timers and the microtask queue (the transport
  // a raw node:http proxy pays too).
  return frames.every((f) => f === null) ? 'node' : 'other';
}

/** Samples of the last `windowUs` of the profile only: the measured load, not start-up, seeding or the warm-up. */
function attribute(profile, windowUs) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const pathOf = (node) => {
    const url = node.callFrame.url;
    if (!url || url.startsWith('node:')) return null;
    const file = url.startsWith('file://') ? new URL(url).pathname : url;
    const rel = relative(root, file);
    // The unbundled build's files stand for their sources.
    return rel.startsWith('dist-profile/')
      ? `src/${rel.slice('dist-profile/'.length).replace(/\.js$/, '.ts')}`
      : rel;
  };
  const stageByNode = new Map();
  const stageFor = (id) => {
    let s = stageByNode.get(id);
    if (s) return s;
    const leaf = byId.get(id);
    const name = leaf.callFrame.functionName;
    if (name === '(garbage collector)') s = 'gc';
    else if (name === '(idle)') s = 'idle';
    else if (name === '(program)') s = 'program';
    else {
      const frames = [];
      for (let cur = id; cur !== undefined; cur = parent.get(cur)) frames.push(pathOf(byId.get(cur)));
      s = stageOf(frames);
    }
    stageByNode.set(id, s);
    return s;
  };
  const us = {};
  const unattributed = {};
  /** Self time by function (name, file:line), every stage: where to look next. */
  const bySelf = {};
  const { samples, timeDeltas } = profile;
  const at = [];
  for (let i = 0, t = 0; i < samples.length; i++) at.push((t += timeDeltas[i] ?? 0));
  const from = (at.at(-1) ?? 0) - windowUs;
  for (let i = 0; i < samples.length; i++) {
    if ((at[i] ?? 0) < from) continue;
    const s = stageFor(samples[i]);
    us[s] = (us[s] ?? 0) + (timeDeltas[i] ?? 0);
    const cf = byId.get(samples[i]).callFrame;
    const where = pathOf(byId.get(samples[i])) ?? cf.url ?? '';
    const fn = `${cf.functionName || '(anonymous)'} ${where}:${cf.lineNumber + 1} [${s}]`;
    bySelf[fn] = (bySelf[fn] ?? 0) + (timeDeltas[i] ?? 0);
    if (s === 'other') {
      const f = byId.get(samples[i]).callFrame;
      const key = `${f.functionName || '(anonymous)'} ${f.url ? relative(root, f.url.replace(/^file:\/\//, '')) : ''}`;
      unattributed[key] = (unattributed[key] ?? 0) + (timeDeltas[i] ?? 0);
    }
  }
  return { us, unattributed, bySelf };
}

function load(url, paths, headers, duration = SECONDS) {
  let i = 0;
  return new Promise((ok, fail) => {
    autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration,
        headers,
        requests: [{ setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }],
      },
      (err, r) => (err ? fail(err) : r.non2xx > 0 ? fail(new Error(`${r.non2xx} non-2xx`)) : ok(r)),
    );
  });
}

await buildUnbundled();
const upstreamPort = await freePort();
const upstream = await startProcess({
  args: ['bench/fake-upstream.mjs', String(upstreamPort)],
  url: `http://127.0.0.1:${upstreamPort}`,
  readyPath: '/__count',
});
const config = join(dir, 'gateway.json');
const db = join(dir, 'gateway.db');
writeFileSync(
  config,
  JSON.stringify({
    database: { url: `sqlite:${db}` },
    auth: { adminKey: ADMIN_KEY },
    encryption: { key: Buffer.alloc(32, 7).toString('base64') },
    providers: [{ id: 'leen', type: 'leen', apiKey: 'bench', baseUrl: `http://127.0.0.1:${upstreamPort}` }],
  }),
);
const profiles = join(dir, 'profiles');
mkdirSync(profiles);
const port = await freePort();
const gw = await startProcess({
  args: ['--cpu-prof', `--cpu-prof-dir=${profiles}`, 'dist-profile/main.js'],
  url: `http://127.0.0.1:${port}`,
  readyPath: '/readyz',
  env: { GATEWAY_CONFIG: config, PORT: String(port), LOG_LEVEL: 'info' },
});
const org = await fetch(`${gw.url}/v1/organizations`, {
  method: 'POST',
  headers: { ...AUTH, 'content-type': 'application/json' },
  body: JSON.stringify({ id: 'bench', name: 'bench', links: { leen: orgId('bench-up') } }),
});
if (org.status !== 201) throw new Error(`org: ${org.status}`);
const READER = await readerKey(gw.url, ADMIN_KEY);
const sqlite = new Database(db);
sqlite.pragma('busy_timeout = 5000');
const insert = sqlite.prepare(
  `INSERT INTO connections (id, organization_id, provider_id, external_org_id, external_id, kind, created_at)
   VALUES (?, 'bench', 'leen', ?, ?, 'TENABLE', '2026-12-01T00:00:00.000Z')`,
);
const paths = [];
sqlite.transaction(() => {
  for (let i = 0; i < READS; i++) {
    const id = `cn_prof${String(i).padStart(4, '0')}`;
    insert.run(id, orgId('bench-up'), connId('bench-up', i));
    paths.push(`/v1/organizations/bench/connections/${id}`);
  }
})();
sqlite.close();
// Random order: concurrent reads rarely share an upstream call.
paths.sort(() => Math.random() - 0.5);
await load(gw.url, paths, READER, 2); // warm-up: the JIT, the caches of the process
const started = performance.now();
const result = await load(gw.url, paths, READER);
const measuredUs = (performance.now() - started) * 1000;
await gw.stop();
/** The one profile a process wrote into `folder`. */
const profileIn = (folder) => {
  const file = readdirSync(folder).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no CPU profile in ${folder}`);
  return JSON.parse(readFileSync(join(folder, file), 'utf8'));
};
// The window ends with the profile (the stop after the load takes a few ms of it).
const { us, unattributed, bySelf } = attribute(profileIn(profiles), measuredUs);

// The same load on the raw node:http proxy (bench/baseline.mjs), under the same profiler: its CPU
// per request is the floor the stages above are compared with.
const baselineProfiles = join(dir, 'baseline-profiles');
mkdirSync(baselineProfiles);
const baselinePort = await freePort();
const table = Object.fromEntries(
  paths.map((p) => {
    const id = p.split('/').at(-1);
    return [id, { org: orgId('bench-up'), id: connId('bench-up', Number(id.slice('cn_prof'.length))) }];
  }),
);
const baseline = await startProcess({
  args: [
    '--cpu-prof',
    `--cpu-prof-dir=${baselineProfiles}`,
    'bench/baseline.mjs',
    String(baselinePort),
    `http://127.0.0.1:${upstreamPort}`,
    JSON.stringify(table),
  ],
  url: `http://127.0.0.1:${baselinePort}`,
  readyPath: paths[0],
});
await load(baseline.url, paths, READER, 2);
const baselineStarted = performance.now();
const baselineResult = await load(baseline.url, paths, READER);
const baselineUs = (performance.now() - baselineStarted) * 1000;
await baseline.stop();
await upstream.stop();
const floor = attribute(profileIn(baselineProfiles), baselineUs).us;
const floorBusy = Object.entries(floor)
  .filter(([s]) => s !== 'idle')
  .reduce((a, [, v]) => a + v, 0);
const floorPerRequest = Math.round((floorBusy / baselineResult.requests.total) * 10) / 10;
const requests = result.requests.total;
const busy = Object.entries(us)
  .filter(([s]) => s !== 'idle')
  .reduce((a, [, v]) => a + v, 0);
const perRequest = Object.fromEntries(
  Object.entries(us)
    .filter(([s]) => s !== 'idle')
    .sort((a, b) => b[1] - a[1])
    .map(([s, v]) => [s, Math.round((v / requests) * 10) / 10]),
);
const report = {
  node: process.version,
  at: new Date().toISOString(),
  seconds: SECONDS,
  connections: CONNECTIONS,
  requests,
  rps: Math.round(result.requests.average),
  cpu_us_per_request: Math.round((busy / requests) * 10) / 10,
  baseline: { rps: Math.round(baselineResult.requests.average), cpu_us_per_request: floorPerRequest },
  by_stage_us_per_request: perRequest,
  /** The functions with the most self time (any stage), µs per request. */
  top_self: Object.fromEntries(
    Object.entries(bySelf)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 40)
      .map(([k, v]) => [k, Math.round((v / requests) * 10) / 10]),
  ),
  /** The largest contributors to `other` (leaf function and file), µs per request: what the stages do not name yet. */
  other_top: Object.fromEntries(
    Object.entries(unattributed)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([k, v]) => [k, Math.round((v / requests) * 10) / 10]),
  ),
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/profile.json'), `${JSON.stringify(report, null, 2)}\n`);
const md = [
  `CPU per uncached GET by stage (${process.version}, ${SECONDS} s at ${CONNECTIONS} connections after a 2 s warm-up, ${requests} requests, ${report.rps} rps, unbundled build under --cpu-prof):`,
  '',
  '| stage | µs per request |',
  '| --- | --- |',
  ...Object.entries(perRequest).map(([s, v]) => `| ${s} | ${v} |`),
  `| **all (busy)** | **${report.cpu_us_per_request}** |`,
  `| raw node:http proxy (bench/baseline.mjs), same load and profiler | ${floorPerRequest} (${report.baseline.rps} rps) |`,
  `| ratio gateway / raw | ${Math.round((report.cpu_us_per_request / floorPerRequest) * 100) / 100}× |`,
  '',
  "Stages: the innermost frame of a sample that is not Node's own decides (node = only Node's own frames: its HTTP server, streams, timers, microtasks; auth, lookup = storage and the index, upstream = the engine and undici, mapping = the provider folder, validation = zod, response = Hono and the routes, log = pino and the access line, metrics = prom-client, services = the rest of the core; gc and program are V8's).",
  '',
].join('\n');
writeFileSync(join(root, 'bench/results/profile.md'), md);
rmSync(out, { recursive: true, force: true });
console.log(md);
