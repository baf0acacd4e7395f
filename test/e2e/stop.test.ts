import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_ORGANISATION } from '../../src/providers/versori/fixtures.js';
import { startVersoriSimulator, type VersoriSimulator } from '../../src/providers/versori/simulator/index.js';
import { buildDist, caller, startGatewayProcess, writeGatewayConfig } from '../helpers/process.js';
import { REPO_ROOT } from '../helpers/repo.js';

/**
 * A stop as users send it: `npm start` in its own process group (a terminal's foreground job, a
 * container's main process), the signal sent to the whole group, so it reaches node twice (once
 * directly, once forwarded by npm). A request held at the simulator is still answered 200, the stop
 * is logged with the repeated signal ignored, and npm exits 0.
 */

const ADMIN = 'stop-test-admin-key-0123456789';
const callAdmin = caller(ADMIN);
let sim: VersoriSimulator;
let config: string;

beforeAll(async () => {
  sim = await startVersoriSimulator({ seedDemo: true });
  ({ file: config } = writeGatewayConfig('pb-stop-', ADMIN, [
    {
      id: 'versori',
      type: 'versori',
      apiKey: sim.apiKey,
      baseUrl: sim.baseUrl,
      timeoutMs: 30_000,
      retry: { attempts: 1 },
    },
  ]));
});
afterAll(() => sim.close());

interface LogLine {
  msg: string;
  signal?: string;
}

async function stopWhileServing(signal: NodeJS.Signals): Promise<void> {
  const child = spawn('npm', ['start'], {
    cwd: REPO_ROOT,
    detached: true,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? tmpdir(),
      PORT: '0',
      LOG_LEVEL: 'info',
      GATEWAY_CONFIG: config,
    },
  });
  const group = child.pid as number;
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let out = '';
  const listening = new Promise<string>((resolve, reject) => {
    const read = (d: Buffer) => {
      out += d.toString();
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
      if (m) resolve(m[1] as string);
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    void exit.then((code) => reject(new Error(`npm start exited ${code} before listening:\n${out}`)));
  });
  const lines = (): LogLine[] =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  try {
    const url = await listening;
    const call = (method: string, path: string, body?: unknown) => callAdmin(url, method, path, body);
    const org = `org-${signal.toLowerCase()}`;
    expect(
      (
        await call('POST', '/v1/organizations', {
          id: org,
          name: org,
          links: { versori: DEMO_ORGANISATION.id },
        })
      ).status,
    ).toBe(201);

    sim.kit.fault({ method: 'GET', path: '/connections$', hold: true, times: 1 });
    const pending = call('GET', `/v1/organizations/${org}/connections`);
    await vi.waitFor(() => expect(sim.kit.held()).toBe(1), { timeout: 10_000 });

    process.kill(-group, signal);
    await vi.waitFor(
      () =>
        expect(lines().map((l) => l.msg)).toContainEqual(
          expect.stringMatching(/^stopping: no new connections/),
        ),
      { timeout: 10_000 },
    );
    // npm forwards the signal: node gets a second copy (unless the kernel merged it with the first,
    // still pending), which must leave the stop running. Its line, when it came, says it was ignored.
    await vi.waitFor(() => expect(sim.kit.held()).toBe(1));
    const copies = lines()
      .filter((l) => l.signal === signal)
      .map((l) => l.msg);
    expect(copies[0]).toMatch(/^stopping: no new connections/);
    expect(copies.slice(1)).toEqual(
      copies.length > 1 ? [expect.stringMatching(/^already stopping: signal ignored/)] : [],
    );
    expect(child.exitCode).toBeNull();

    sim.kit.release();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0);
    expect(await exit).toBe(0);
    expect(lines().map((l) => l.msg)).toContain('stopped');
    // npm returned once the gateway had gone.
    const gatewayPid = (lines().find((l) => l.msg === 'plugboard listening') as LogLine & { pid: number })
      .pid;
    expect(() => process.kill(gatewayPid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  } finally {
    sim.kit.release();
    try {
      process.kill(-group, 'SIGKILL'); // only reached when the test failed and left the group running
    } catch {
      /* gone, as it should be */
    }
  }
}

describe("a stop sent to `npm start`'s process group", () => {
  it(
    'SIGTERM: the request in flight is answered 200, the repeated signal is ignored, exit 0',
    () => stopWhileServing('SIGTERM'),
    60_000,
  );
  it('SIGINT (Ctrl+C): the same', () => stopWhileServing('SIGINT'), 60_000);
});

describe('signals sent one by one to the gateway process', () => {
  it('the second is logged and ignored, the third ends the process at once (exit 128 + signal)', async () => {
    await buildDist();
    const gw = await startGatewayProcess(config);
    const msgs = () =>
      gw
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => (JSON.parse(l) as LogLine).msg);
    const call = (method: string, path: string, body?: unknown) => callAdmin(gw, method, path, body);
    try {
      expect(
        (
          await call('POST', '/v1/organizations', {
            id: 'org-forced',
            name: 'forced',
            links: { versori: DEMO_ORGANISATION.id },
          })
        ).status,
      ).toBe(201);
      sim.kit.fault({ method: 'GET', path: '/connections$', hold: true, times: 1 });
      const pending = call('GET', '/v1/organizations/org-forced/connections').then(
        (r) => r.status,
        (e: unknown) => e,
      );
      await vi.waitFor(() => expect(sim.kit.held()).toBe(1), { timeout: 10_000 });

      gw.child.kill('SIGTERM');
      await vi.waitFor(() =>
        expect(msgs()).toContainEqual(expect.stringMatching(/^stopping: no new connections/)),
      );
      gw.child.kill('SIGTERM');
      await vi.waitFor(() =>
        expect(msgs()).toContainEqual(expect.stringMatching(/^already stopping: signal ignored/)),
      );
      expect(gw.child.exitCode).toBeNull();
      gw.child.kill('SIGTERM');
      expect(await gw.exit).toBe(143);
      expect(msgs()).toContain('stopping at once: requests in flight are cut');
      expect(msgs()).not.toContain('stopped');
      // The held request was cut, as the third signal asked.
      expect(await pending).toBeInstanceOf(Error);
    } finally {
      sim.kit.release();
      gw.child.kill('SIGKILL');
    }
  }, 60_000);
});
