import { existsSync } from 'node:fs';
import { dirname, join, relative, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Files of the repository, addressed from its root. Tests read only what the repository holds (a
 * user's clone has nothing beside it), so a path that resolves outside the root is an error.
 */

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** The absolute path of a file given relative to the repository root; refuses paths leaving it. */
export function repoPath(fromRoot: string): string {
  const full = join(REPO_ROOT, fromRoot);
  const rel = relative(REPO_ROOT, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
    throw new Error(`${fromRoot} is not a file inside the repository`);
  return full;
}
