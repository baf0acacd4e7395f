// `npm run generate`: writes docs/openapi.json and src/client/schema.d.ts from the routes' schemas
// (bundles src/client/generate.ts with esbuild, then runs it). test/client/generated.test.ts
// fails when the checked-in files are stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const out = resolve('node_modules/.cache/plugboard/generate.mjs');
mkdirSync(dirname(out), { recursive: true });
await build({
  entryPoints: ['src/client/generate.ts'],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});
const { generatedFiles } = await import(pathToFileURL(out).href);
for (const [file, text] of Object.entries(await generatedFiles())) {
  writeFileSync(resolve(file), text);
  process.stdout.write(`wrote ${file}\n`);
}
