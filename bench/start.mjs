// Start-up benchmark: spawn → first 200 on /readyz, and RSS, for the gateway in configured mode
// (the production path) and in sandbox mode, against a bare node:http server spawned the same way
// in the same run (the baseline: what any Node process costs on this machine right now).
// RSS is read twice: 1 s after the first 200 ("after start"), and after IDLE_S seconds without a
// request ("idle"), by which time V8's memory reducer has given back the start-up heap growth.
// Writes bench/results/start.json. Run with `npm run bench`.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { setTimeout as wait } from 'node:timers/promises';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 15);
const IDLE_RUNS = Number(process.env['BENCH_IDLE_RUNS'] ?? 3);
const IDLE_S = Number(process.env['BENCH_IDLE_S'] ?? 15);
const root = resolve(import.meta.dirname, '..');

const BARE = `require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () {
  console.log(JSON.stringify({ url: 'http://127.0.0.1:' + this.address().port }));
});`;

function configFile() {
  const dir = mkdtempSync(join(tmpdir(), 'pb-bench-'));
  const file = join(dir, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({
      database: { url: `sqlite:${join(dir, 'bench.db')}` },
      auth: { adminKey: 'bench-admin-key-0123456789' },
      encryption: { key: Buffer.alloc(32, 1).toString('base64') },
      providers: [
        { id: 'leen', type: 'leen', apiKey: 'k', baseUrl: 'http://127.0.0.1:9' },
        {
          id: 'auth0',
          type: 'auth0',
          domain: 'bench.auth0.com',
          clientId: 'c',
          clientSecret: 's',
          baseUrl: 'http://127.0.0.1:9',
        },
        { id: 'versori', type: 'versori', apiKey: 'k', baseUrl: 'http://127.0.0.1:9' },
      ],
    }),
  );
  return file;
}

const SUBJECTS = {
  'bare node:http': () => ({ args: ['-e', BARE], env: {}, path: '/' }),
  'gateway, configured': () => ({
    args: ['dist/main.js'],
    env: { GATEWAY_CONFIG: configFile(), PORT: '0', LOG_LEVEL: 'info' },
    path: '/readyz',
  }),
  'gateway, sandbox': () => ({
    args: ['dist/main.js'],
    env: {
      PLUGBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'pb-bench-sandbox-')),
      PORT: '0',
      LOG_LEVEL: 'info',
    },
    path: '/readyz',
  }),
};

function rssBytes(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

/** Spawns a subject and resolves once it answers 200: its child process, URL and the time it took. */
async function start(subject) {
  const { args, env, path } = subject();
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env['PATH'], ...env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  const url = await new Promise((ok, fail) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
      if (m) ok(m[1]);
    });
    child.once('exit', (code) => fail(new Error(`exited ${code}: ${out}`)));
  });
  for (;;) {
    const res = await fetch(url + path).catch(() => null);
    if (res?.status === 200) return { child, url, ms: performance.now() - started };
    await wait(2);
  }
}

async function stop(child) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function once(subject) {
  const { child, ms } = await start(subject);
  await wait(1000);
  const rss = rssBytes(child.pid);
  await stop(child);
  return { ms, rss };
}

/** Idle RSS: every subject started (one after another), then left alone IDLE_S seconds, side by side. */
async function idle(subjects) {
  const running = [];
  for (const [name, subject] of subjects) running.push({ name, ...(await start(subject)) });
  await wait(IDLE_S * 1000);
  const out = running.map((r) => ({ name: r.name, rss: rssBytes(r.child.pid) }));
  await Promise.all(running.map((r) => stop(r.child)));
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = {};
for (let i = 0; i < RUNS; i += 1) {
  // Interleaved, so a noisy moment hurts every subject alike.
  for (const [name, subject] of Object.entries(SUBJECTS)) {
    const r = await once(subject);
    (results[name] ??= { ms: [], rss: [] }).ms.push(r.ms);
    results[name].rss.push(r.rss);
  }
}
for (let i = 0; i < IDLE_RUNS; i += 1) {
  for (const r of await idle(Object.entries(SUBJECTS))) (results[r.name].idle ??= []).push(r.rss);
}
const base = results['bare node:http'];
const mb = (bytes) => Number((bytes / 1048576).toFixed(1));
const table = Object.fromEntries(
  Object.entries(results).map(([name, r]) => [
    name,
    {
      start_ms_median: Math.round(median(r.ms)),
      start_vs_bare: Number((median(r.ms) / median(base.ms)).toFixed(2)),
      rss_after_start_mb: mb(median(r.rss)),
      idle_rss_mb: mb(median(r.idle)),
      idle_rss_vs_bare: Number((median(r.idle) / median(base.idle)).toFixed(2)),
    },
  ]),
);
const report = {
  node: process.version,
  runs: RUNS,
  idle_runs: IDLE_RUNS,
  idle_seconds: IDLE_S,
  at: new Date().toISOString(),
  limits: { start_ms: 400, idle_rss_mb: 80 },
  results: table,
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/start.json'), `${JSON.stringify(report, null, 2)}\n`);
console.table(table);
const gw = table['gateway, configured'];
const ok = gw.start_ms_median <= 400 && gw.idle_rss_mb <= 80;
console.log(
  `configured gateway: ${gw.start_ms_median} ms to the first /readyz 200, ${gw.idle_rss_mb} MB idle RSS (${gw.rss_after_start_mb} MB 1 s after start): ${ok ? 'within' : 'OVER'} the limits (400 ms, 80 MB)`,
);
