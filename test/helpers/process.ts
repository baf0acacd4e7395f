import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { REPO_ROOT } from './repo.js';

/** A real gateway process (`node dist/main.js`, what `npm start` runs after its build). */
export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  exit: Promise<number | null>;
  /** What it printed so far (JSON log lines). */
  output(): string;
}

/** Builds dist/ once for a test file (scripts/build.mjs, as `npm start` does). */
export async function buildDist(): Promise<void> {
  const build = spawn(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
  expect(await new Promise((r) => build.once('exit', r))).toBe(0);
}

/** Starts the gateway on a free port with config file `config`; resolves once it listens. */
export function startGatewayProcess(
  config: string,
  env: Record<string, string> = {},
): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', LOG_LEVEL: 'info', GATEWAY_CONFIG: config, ...env },
  });
  let out = '';
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((ok, fail) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
      if (m) ok({ child, url: m[1] as string, exit, output: () => out });
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    void exit.then((code) => fail(new Error(`exited ${code}: ${out}`)));
  });
}

/** `kill -9`, and waits until it is gone. */
export async function kill9(gw: GatewayProcess): Promise<void> {
  gw.child.kill('SIGKILL');
  await gw.exit;
}

/** SIGTERM (a clean stop), and waits until it is gone. */
export async function stopGatewayProcess(gw: GatewayProcess): Promise<void> {
  if (gw.child.exitCode === null && gw.child.signalCode === null) gw.child.kill('SIGTERM');
  await gw.exit;
}

/**
 * A config file for a gateway process in a fresh temp folder (SQLite there, a fixed encryption key)
 * with these provider entries and admin key, `database` settings in place of SQLite when given, and
 * any other sections (`webhooks`, `monitor`) of `extra`.
 */
export function writeGatewayConfig(
  prefix: string,
  adminKey: string,
  providers: Array<Record<string, unknown>>,
  database?: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({
      database: database ?? { url: `sqlite:${join(dir, 'gateway.db')}` },
      auth: { adminKey },
      encryption: { key: Buffer.alloc(32, 7).toString('base64') },
      providers,
      ...extra,
    }),
  );
  return { dir, file };
}

/**
 * A JSON caller of a gateway with one key: `call(gw or its URL, method, path, body?, headers?)`,
 * the body sent as JSON, the answer as fetch gives it.
 */
export function caller(key: string) {
  return (
    at: string | { url: string },
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> =>
    fetch((typeof at === 'string' ? at : at.url) + path, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
}
