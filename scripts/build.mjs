// Bundles the two entry points to dist/ with esbuild (~100 ms), so `npm start` runs plain JS:
// no on-the-fly TypeScript compile on the sidecar's start path. Dependencies stay external.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/main.ts', 'src/simulate.ts'],
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
