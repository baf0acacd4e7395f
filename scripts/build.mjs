// Bundles the two entry points to dist/ with esbuild (~100 ms), so `npm start` runs plain JS:
// no on-the-fly TypeScript compile on the sidecar's start path. Dependencies stay external.
// Files are written to a temporary name and renamed into place, so a process starting while
// another build runs (three `npm run simulate` at once) never reads a half-written file.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { dirname } from 'node:path';
import { build } from 'esbuild';

const result = await build({
  entryPoints: ['src/main.ts', 'src/simulate.ts'],
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  write: false,
});
for (const file of result.outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  const tmp = `${file.path}.${process.pid}.tmp`;
  writeFileSync(tmp, file.contents);
  renameSync(tmp, file.path);
}
