// Shared helpers of the benchmarks: processes on loopback, free ports, percentiles, ratios.
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import process from 'node:process';
import { setTimeout as wait } from 'node:timers/promises';

export const root = resolve(import.meta.dirname, '..');

/** A port the OS says is free now (the bench's processes are spawned with it). */
export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.once('error', fail);
  });
}

/** Processes a bench started and has not stopped: killed when the bench exits, also on a failure. */
const running = new Set();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Spawns `node args` with `env`, its output to `logFile` (or nowhere), and resolves once `url +
 * readyPath` answers 200. The process is stopped with `stop()` (or killed when the bench exits).
 */
export async function startProcess({
  args,
  env = {},
  url,
  readyPath = '/',
  logFile = null,
  execPath = process.execPath,
}) {
  const out = logFile ? openSync(logFile, 'a') : 'ignore';
  const child = spawn(execPath, args, {
    cwd: root,
    env: { PATH: process.env['PATH'], ...env },
    stdio: ['ignore', out, out],
  });
  let exited = null;
  running.add(child);
  child.once('exit', (code) => {
    exited = code;
    running.delete(child);
  });
  for (let i = 0; ; i++) {
    if (exited !== null)
      throw new Error(`${args.join(' ')} exited ${exited}${logFile ? ` (see ${logFile})` : ''}`);
    const res = await fetch(url + readyPath).catch(() => null);
    if (res?.status === 200) break;
    if (i > 2000) throw new Error(`${args.join(' ')} never answered ${readyPath}`);
    await wait(5);
  }
  return {
    child,
    url,
    stop: () =>
      new Promise((r) => {
        if (exited !== null) return r();
        child.once('exit', r);
        child.kill('SIGTERM');
      }),
  };
}

export const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
export const median = (xs) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
export const ratio = (a, b) => Number((a / b).toFixed(2));

/**
 * The header a caller of reads sends: an API key scoped as a sidecar's would be (one organization,
 * `connections:read`), made with the admin key. Its lookup is part of every measured request.
 */
export async function readerKey(url, adminKey, org = 'bench') {
  const res = await fetch(`${url}/v1/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench reader', organization_ids: [org], scopes: ['connections:read'] }),
  });
  if (res.status !== 201) throw new Error(`api key: ${res.status} ${await res.text()}`);
  return { authorization: `Bearer ${(await res.json()).key}` };
}
