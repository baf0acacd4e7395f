import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A simulator's state file: its whole state as JSON, so the sandbox keeps its simulated providers
 * across restarts. A file may have been written by any earlier version of the simulator: `restore`
 * (the provider's upgrade hook) takes whatever JSON it holds and returns the state in today's shape.
 */

/** The state kept in `file`, upgraded by `restore`; undefined when there is no such file (or it holds `null`). */
export function readStateFile<S>(file: string, restore: (saved: unknown) => S): S | undefined {
  if (!existsSync(file)) return undefined;
  const saved = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  return saved === null ? undefined : restore(saved);
}

/** Writes the state through a temporary file and a rename, so a reader never sees half a file. */
export function writeStateFile(file: string, state: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(state));
  renameSync(`${file}.tmp`, file);
}
