// Bundles the entry points (the gateway, `simulate`, `rotate-key`, `webhook-receiver`) to dist/ with esbuild (~100 ms), so `npm start` runs plain JS:
// no on-the-fly TypeScript compile on the sidecar's start path. Dependencies stay external, but for kysely (BUNDLED).
// Code split: what only the sandbox and `simulate` load (the simulators) sits in chunks that
// `node dist/main.js` in configured mode never reads.
// `--client` also builds the caller SDK (`plugboard/client`): dist/client/index.js for browsers and
// Node, and its type declarations (tsc), next to the generated schema types.
// Files are written to a temporary name and renamed into place, so a process starting while
// another build runs (three `npm run simulate` at once) never reads a half-written file; files of
// earlier builds that this one did not write are removed afterwards.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import process from 'node:process';
import { build } from 'esbuild';

const outdir = resolve('dist');
/**
 * Packages bundled into dist/ rather than loaded from node_modules: resolving and loading their
 * many small modules at start cost more than the rest of the start-up (kysely: hundreds of ES
 * modules, ~100 ms; zod, Hono and its OpenAPI layer, prom-client: ~200 ms more on this project's
 * machines, measured spawn → first /readyz 200: 550 → 340 ms). Bundled, only what is used is read,
 * from one file. Native (better-sqlite3), lazily loaded (pg, undici) and pino (worker transports)
 * stay external.
 */
const BUNDLED = new Set(['kysely', 'zod', 'hono', '@hono/node-server', '@hono/zod-openapi', 'prom-client']);
const { dependencies = {}, devDependencies = {} } = JSON.parse(readFileSync('package.json', 'utf8'));
const external = Object.keys({ ...dependencies, ...devDependencies }).filter((name) => !BUNDLED.has(name));
const result = await build({
  entryPoints: ['src/main.ts', 'src/simulate.ts', 'src/rotate-key.ts', 'src/webhook-receiver.ts'],
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: [...external, ...external.map((name) => `${name}/*`)],
  sourcemap: true,
  logLevel: 'warning',
  // The bundled CommonJS packages (prom-client) require Node's modules: a `require` for them.
  banner: {
    js: "import { createRequire as __plugboardRequire } from 'node:module'; const require = __plugboardRequire(import.meta.url);",
  },
  write: false,
});
const outputs = [...result.outputFiles];
const client = process.argv.includes('--client');
if (client) {
  const sdk = await build({
    entryPoints: ['src/client/index.ts'],
    outfile: resolve(outdir, 'client/index.js'),
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    target: 'es2022',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
    write: false,
  });
  outputs.push(...sdk.outputFiles);
}
const written = new Set();
for (const file of outputs) {
  mkdirSync(dirname(file.path), { recursive: true });
  const tmp = `${file.path}.${process.pid}.tmp`;
  writeFileSync(tmp, file.contents);
  renameSync(tmp, file.path);
  written.add(file.path);
}
for (const dir of [outdir, resolve(outdir, 'chunks')]) {
  for (const name of readdirSync(dir)) {
    const path = resolve(dir, name);
    if (name !== 'chunks' && name !== 'client' && !written.has(path) && !name.endsWith('.tmp'))
      rmSync(path, { force: true });
  }
}
if (client) {
  execFileSync(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.client.json'], {
    stdio: 'inherit',
  });
  copyFileSync(resolve('src/client/schema.d.ts'), resolve(outdir, 'client/schema.d.ts'));
}
