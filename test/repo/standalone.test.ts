import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, repoPath } from '../helpers/repo.js';

/**
 * A user's clone holds only the repository: no source, test, script or document may read, import
 * or link a path outside it. The team's reading material lives beside the repository in a folder
 * named below; any mention of it, or of an absolute workspace path, fails here.
 */

const SCANNED = [
  'src',
  'test',
  'scripts',
  'docs',
  'examples',
  '.ci',
  'README.md',
  'package.json',
  'vitest.config.ts',
  'eslint.config.js',
  'tsconfig.json',
];
const TEXT = /\.(ts|mts|js|mjs|cjs|json|md|yaml|yml|sh)$|^run$/;
// Spelled in pieces so this file does not match itself.
const OUTSIDE = [
  ['..', 'shared'].join('/'),
  ['', 'work', ''].join('/'),
  ['shared', 'upstreams'].join('/'),
  ['shared', 'spec'].join('/'),
  ['shared', 'design'].join('/'),
];

function files(path: string): string[] {
  const full = join(REPO_ROOT, path);
  if (statSync(full).isFile()) return [path];
  return readdirSync(full).flatMap((name) => files(join(path, name)));
}

const all = SCANNED.flatMap(files).filter((f) => TEXT.test(f.split('/').at(-1) ?? ''));

describe('the repository stands on its own', () => {
  it('scans the source, tests, scripts and documents', () => {
    expect(all.length).toBeGreaterThan(50);
    expect(all).toContain('README.md');
    expect(all).toContain('docs/api.md');
  });

  it('no file mentions a path outside the repository', () => {
    const hits = all.flatMap((f) => {
      const text = readFileSync(join(REPO_ROOT, f), 'utf8');
      return OUTSIDE.filter((needle) => text.includes(needle)).map((needle) => `${f}: ${needle}`);
    });
    expect(hits).toEqual([]);
  });

  it('every relative link in the Markdown documents points at a file in the repository', () => {
    const broken: string[] = [];
    for (const f of all.filter((x) => x.endsWith('.md'))) {
      const text = readFileSync(join(REPO_ROOT, f), 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = (m[1] as string).split('#')[0] as string;
        if (target === '' || /^[a-z]+:/.test(target)) continue;
        const rel = relative(REPO_ROOT, join(REPO_ROOT, dirname(f), target));
        try {
          statSync(repoPath(rel));
        } catch {
          broken.push(`${f} → ${m[1]}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
