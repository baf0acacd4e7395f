// Transport benchmark (`npm run bench:transport`): a Hono route proxying one upstream GET through
// each HTTP client, each in its own process, against the raw node:http proxy of the same run.
// Run it on each Node version to compare (README, "Transport"). Writes
// bench/results/transport-<node major>.json.
import autocannon from 'autocannon';
import { buildSync } from 'esbuild';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { freePort, median, ratio, root, startProcess } from './lib.mjs';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'pb-bench-transport-'));
const transportModule = join(dir, 'transport.mjs');
buildSync({
  entryPoints: [join(root, 'src/upstream/transport.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: transportModule,
  external: ['undici'],
  nodePaths: [join(root, 'node_modules')],
});
// The bundle imports undici by name: resolve it from the repository.
writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
mkdirSync(join(dir, 'node_modules'), { recursive: true });
const { symlinkSync } = await import('node:fs');
symlinkSync(join(root, 'node_modules/undici'), join(dir, 'node_modules/undici'));

const SUBJECTS = [
  'raw node:http proxy (reference)',
  'ky on global fetch',
  'ky with a fetch built on undici.request',
  'undici.request with a keep-alive Agent',
  "the gateway's transport (undici dispatch)",
];
const upstreamPort = await freePort();
const upstream = await startProcess({
  args: ['bench/fake-upstream.mjs', String(upstreamPort)],
  url: `http://127.0.0.1:${upstreamPort}`,
  readyPath: '/__count',
});
const running = [];
for (const name of SUBJECTS) {
  const port = await freePort();
  running.push({
    name,
    p: await startProcess({
      args: [
        'bench/transport-subject.mjs',
        String(port),
        upstream.url,
        name,
        pathToFileURL(transportModule).href,
      ],
      url: `http://127.0.0.1:${port}`,
      readyPath: '/c/x',
    }),
  });
}
const runs = {};
const requests = [
  { method: 'GET', setupRequest: (req) => ({ ...req, path: `/c/c${Math.floor(Math.random() * 512)}` }) },
];
for (const r of running) await autocannon({ url: r.p.url, connections: 32, duration: 1, requests });
for (let round = 0; round < ROUNDS; round++) {
  for (const r of running) {
    const res = await autocannon({ url: r.p.url, connections: 32, duration: SECONDS, requests });
    if (res.non2xx > 0 || res.errors > 0)
      throw new Error(`${r.name}: ${res.non2xx} non-2xx, ${res.errors} errors`);
    (runs[r.name] ??= []).push(res.requests.average);
  }
}
for (const r of running) await r.p.stop();
await upstream.stop();
const base = median(runs[SUBJECTS[0]]);
const results = Object.fromEntries(
  SUBJECTS.map((n) => [
    n,
    { rps_median: Math.round(median(runs[n])), vs_reference: ratio(median(runs[n]), base) },
  ]),
);
const report = {
  node: process.version,
  at: new Date().toISOString(),
  seconds: SECONDS,
  rounds: ROUNDS,
  results,
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(
  join(root, `bench/results/transport-${process.versions.node.split('.')[0]}.json`),
  `${JSON.stringify(report, null, 2)}\n`,
);
console.table(results);
