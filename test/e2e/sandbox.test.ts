import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { definitions } from '../../src/providers/registry.js';
import { buildDist } from '../helpers/process.js';
import { withSamples } from '../helpers/providers.js';

/** Starts the real entry point (`node dist/main.js`, what `npm start` runs) and talks to it over HTTP. */

const root = resolve(import.meta.dirname, '../..');
const KEY = 'sandbox-admin-key';
const providerTypes = await withSamples(definitions);
/** The registered provider types, in registry order. */
const types = providerTypes.map((p) => p.type);
const [firstType] = types as [string, ...string[]];

/** The environment examples/config.json names (`${NAME}` placeholders in its entries' samples), each with a dummy value. */
const exampleEnv = Object.fromEntries(
  providerTypes
    .flatMap((p) => Object.values(p.samples.exampleConfig))
    .flatMap((v) => [...String(v).matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => [m[1] as string, 'x'])),
);

interface Running {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function start(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', LOG_LEVEL: 'warn', ...env },
  });
  let out = '';
  let err = '';
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolveStart, reject) => {
    // The sandbox banner ("URL  http://…", stderr) or, in configured mode, the JSON "listening" log line (stdout).
    const check = () => {
      const m = /(?:URL\s+|"url":")(http:\/\/127\.0\.0\.1:\d+)/.exec(out + err);
      if (m) resolveStart({ child, url: m[1] as string, stdout: () => out, stderr: () => err, exit });
    };
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      check();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      check();
    });
    void exit.then((code) => reject(new Error(`exited ${code} before listening:\n${out}\n${err}`)));
  });
}

const get = (url: string) => fetch(url, { headers: { authorization: `Bearer ${KEY}` } });

beforeAll(async () => {
  // npm start builds first (prestart); do the same so the test runs the current source.
  await buildDist();
}, 60_000);

describe('sandbox (npm start with no GATEWAY_CONFIG)', () => {
  it('serves the demo organization, keeps data across restarts, and stops cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pb-sandbox-'));
    const first = await start({ PLUGBOARD_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    // The banner is for humans, on stderr; stdout holds only JSON log lines.
    // At info, the JSON listening line may come before the banner: wait for both.
    await vi.waitFor(() => expect(first.stderr()).toContain(`Admin key  ${KEY}`));
    expect(first.stderr()).toContain('curl -s -H');
    await vi.waitFor(() => expect(first.stdout()).toContain('"msg":"plugboard listening"'));
    const lines = first.stdout().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();

    const providers = (await (await get(`${first.url}/v1/providers`)).json()) as {
      data: Array<{ id: string }>;
    };
    expect(providers.data.map((p) => p.id)).toEqual(types);
    const org = (await (await get(`${first.url}/v1/organizations/demo`)).json()) as {
      links: Record<string, string>;
      updated_at: string;
    };
    expect(Object.keys(org.links).sort()).toEqual([...types].sort());
    const res = await get(`${first.url}/v1/organizations/demo/connections`);
    expect(res.status).toBe(200);
    const list = (await res.json()) as { data: Array<{ id: string; provider: string }> };
    const perProvider = (p: string) => list.data.filter((c) => c.provider === p).length;
    for (const { type, samples } of providerTypes)
      expect(perProvider(type), type).toBe(samples.demoConnections);
    // The sandbox reads through a cache: the second read of a connection is a hit.
    const one = list.data[0]!;
    for (let i = 0; i < 2; i++)
      expect((await get(`${first.url}/v1/organizations/demo/connections/${one.id}`)).status).toBe(200);
    const metrics = await (await fetch(`${first.url}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`plugboard_upstream_cache_total\\{provider="${one.provider}",result="hit"\\} [1-9]`),
    );

    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    expect(readdirSync(dataDir)).toEqual(expect.arrayContaining(['sandbox.db', 'sandbox.key', 'simulators']));

    const second = await start({ PLUGBOARD_DATA_DIR: dataDir });
    const again = (await (await get(`${second.url}/v1/organizations/demo/connections`)).json()) as {
      data: Array<{ id: string }>;
    };
    const orgAgain = (await (await get(`${second.url}/v1/organizations/demo`)).json()) as {
      links: Record<string, string>;
      updated_at: string;
    };
    expect(orgAgain).toEqual(org); // same links, untouched by the restart
    expect(again.data.map((c) => c.id).sort()).toEqual(list.data.map((c) => c.id).sort());
    second.child.kill('SIGINT');
    expect(await second.exit).toBe(0);
  });

  it('`npm start` passes a signal on: stopping npm stops the gateway, no orphan is left', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pb-npm-start-'));
    const child = spawn('npm', ['start'], {
      cwd: root,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? tmpdir(),
        PORT: '0',
        LOG_LEVEL: 'info',
        PLUGBOARD_DATA_DIR: dataDir,
      },
    });
    const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    let out = '';
    const started = await new Promise<{ url: string; pid: number }>((resolveStart, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)","pid":(\d+)/.exec(out);
        if (m) resolveStart({ url: m[1] as string, pid: Number(m[2]) });
      });
      void exit.then((code) => reject(new Error(`npm start exited ${code}: ${out}`)));
    });
    try {
      expect(started.pid).not.toBe(child.pid);
      expect((await fetch(`${started.url}/healthz`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
      // npm returns once its child has gone: the gateway process no longer exists.
      expect(() => process.kill(started.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
      await expect(fetch(`${started.url}/healthz`)).rejects.toThrow();
    } finally {
      try {
        process.kill(started.pid, 'SIGKILL'); // only reached when the test failed and left it running
      } catch {
        /* gone, as it should be */
      }
    }
  });
});

describe('configured start', () => {
  it('a bad config file exits 1 listing each problem by key path, without secrets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-cfg-'));
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        auth: { adminKey: 'canary-admin-secret-0001' },
        providers: [
          { id: 'leen', type: 'leen' },
          {
            id: 'a',
            type: 'auth0',
            domain: 'x',
            clientId: 'y',
            clientSecret: 'canary-client-secret',
            color: 1,
          },
        ],
      }),
    );
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '', GATEWAY_CONFIG: file },
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(1);
    expect(err).toContain('providers[0].apiKey:');
    expect(err).toContain('providers[1]: not allowed: unknown key(s) color');
    expect(err).not.toContain('canary');
  });

  it('a good config file (examples/config.json) starts the configured gateway', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-cfg-'));
    const file = join(dir, 'good.json');
    writeFileSync(file, readFileSync(join(root, 'examples/config.json'), 'utf8'));
    const running = await start({
      GATEWAY_CONFIG: file,
      LOG_LEVEL: 'info',
      GATEWAY_ADMIN_KEY: 'configured-admin-key-01',
      GATEWAY_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'),
      ...exampleEnv,
      GATEWAY_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
    });
    expect((await fetch(`${running.url}/readyz`)).status).toBe(200);
    const providers = (await (
      await fetch(`${running.url}/v1/providers`, {
        headers: { authorization: 'Bearer configured-admin-key-01' },
      })
    ).json()) as { data: Array<{ id: string }> };
    expect(providers.data.map((p) => p.id)).toEqual(types);
    expect(running.stdout()).not.toContain('configured-admin-key-01');
    running.child.kill('SIGTERM');
    expect(await running.exit).toBe(0);
  });
});

describe('the production path', () => {
  it('configured mode never loads a simulator: it runs from a dist/ without the sandbox, simulator and sample chunks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-no-sims-'));
    cpSync(join(root, 'dist'), join(dir, 'dist'), {
      recursive: true,
      filter: (src) => !/\/chunks\/(simulator|sandbox|fixtures|samples|state)-/.test(src),
    });
    const removed = readdirSync(join(root, 'dist/chunks')).filter((f) =>
      /^(simulator|sandbox|fixtures|samples|state)-.*\.js$/.test(f),
    );
    // At least a simulator and a samples chunk per provider type, and the sandbox's.
    expect(removed.length).toBeGreaterThanOrEqual(2 * types.length + 1);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    const file = join(dir, 'config.json');
    writeFileSync(file, readFileSync(join(root, 'examples/config.json'), 'utf8'));
    const env = {
      PATH: process.env['PATH'] ?? '',
      PORT: '0',
      LOG_LEVEL: 'info',
      GATEWAY_CONFIG: file,
      GATEWAY_ADMIN_KEY: 'configured-admin-key-01',
      GATEWAY_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'),
      ...exampleEnv,
      GATEWAY_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
    };
    const child = spawn(process.execPath, [join(dir, 'dist/main.js')], { cwd: dir, env });
    const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    let out = '';
    const url = await new Promise<string>((resolveUrl, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
        if (m) resolveUrl(m[1] as string);
      });
      void exit.then((code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect(
      (await fetch(`${url}/v1/providers`, { headers: { authorization: 'Bearer configured-admin-key-01' } }))
        .status,
    ).toBe(200);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    // The same copy cannot start the sandbox: the chunks it lacks are exactly the simulators' and samples'.
    const sandbox = spawn(process.execPath, [join(dir, 'dist/main.js')], {
      cwd: dir,
      env: { PATH: process.env['PATH'] ?? '', PORT: '0', PLUGBOARD_DATA_DIR: join(dir, 'data') },
    });
    expect(await new Promise((r) => sandbox.once('exit', r))).toBe(1);
  });
});

describe('README: configured mode against `npm run simulate`', () => {
  it("examples/simulated.json matches what the simulators print, and the README's organization lists every provider", async () => {
    const sims = await Promise.all(types.map(async (type) => startSimulateProcess(type)));
    try {
      const example = JSON.parse(readFileSync(join(root, 'examples/simulated.json'), 'utf8')) as {
        providers: Array<Record<string, unknown>>;
      };
      const readme = readFileSync(join(root, 'README.md'), 'utf8');
      expect(readme).toContain('GATEWAY_CONFIG=examples/simulated.json npm start');
      expect(example.providers.map((p) => p['type'])).toEqual(types);
      for (const [i, sim] of sims.entries()) {
        const entry = example.providers[i] as Record<string, unknown>;
        // As printed, apart from the port the README picks (4010-4012), in every URL of the entry.
        const printed = new URL(String(sim.config['baseUrl'])).origin;
        const picked = new URL(String(entry['baseUrl'])).origin;
        const withOrigin = (o: Record<string, unknown>, from: string, to: string) =>
          Object.fromEntries(
            Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? v.replace(from, to) : v]),
          );
        expect(entry).toEqual(withOrigin(sim.config, printed, picked));
        expect(readme).toContain(
          `npm run simulate -- ${String(entry['type'])} --port ${new URL(picked).port}`,
        );
        Object.assign(entry, withOrigin(entry, picked, printed));
      }
      const dir = mkdtempSync(join(tmpdir(), 'pb-simulated-'));
      const file = join(dir, 'simulated.json');
      writeFileSync(file, JSON.stringify(example));
      const running = await start({
        GATEWAY_CONFIG: file,
        LOG_LEVEL: 'info',
        GATEWAY_ADMIN_KEY: 'local-admin-key-0123456789',
        GATEWAY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
        GATEWAY_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
      });
      try {
        const body = /-d '(\{"id":"acme".*\})'/.exec(readme)?.[1] ?? '';
        expect(body).not.toBe('');
        const org = JSON.parse(body) as { links: Record<string, string> };
        expect(org.links).toEqual(Object.fromEntries(sims.map((x) => [x.type, x.demoOrg])));
        const headers = {
          authorization: 'Bearer local-admin-key-0123456789',
          'content-type': 'application/json',
        };
        expect(
          (await fetch(`${running.url}/v1/organizations`, { method: 'POST', headers, body })).status,
        ).toBe(201);
        const list = (await (
          await fetch(`${running.url}/v1/organizations/acme/connections?limit=200`, { headers })
        ).json()) as { data: Array<{ provider: string }>; incomplete?: boolean };
        expect(list.incomplete).toBeUndefined();
        expect(new Set(list.data.map((c) => c.provider))).toEqual(new Set(types));
      } finally {
        running.child.kill('SIGTERM');
        await running.exit;
      }
    } finally {
      for (const x of sims) x.child.kill('SIGTERM');
      await Promise.all(sims.map((x) => x.exit));
    }
  });
});

describe('npm run simulate -- <type>', () => {
  it.each(types)(
    'starts the %s simulator alone, prints its provider config, stops on SIGTERM',
    async (type) => {
      const child = spawn(process.execPath, ['dist/simulate.js', type, '--port', '0'], {
        cwd: root,
        env: { PATH: process.env['PATH'] ?? '' },
      });
      let out = '';
      const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const url = await new Promise<string>((resolveUrl, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m =
            /listening on (http:\/\/127\.0\.0\.1:\d+)\n[^]*provider config for the gateway: (.*)\n/.exec(out);
          if (m) resolveUrl(m[1] as string);
        });
        void exit.then((code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const config = JSON.parse(/provider config for the gateway: (.*)\n/.exec(out)?.[1] ?? '{}') as {
        type: string;
        baseUrl: string;
      };
      expect(config.type).toBe(type);
      expect(config.baseUrl.startsWith(url)).toBe(true);
      const faults = await fetch(`${url}/__sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 503, times: 1 }),
      });
      expect(faults.status).toBe(201);
      expect((await fetch(`${config.baseUrl}/anything`)).status).toBe(503);
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    },
  );

  it('--help prints the usage line and exits 0; a bad option is one line and exit 2, never a stack trace', async () => {
    const help = await runSimulate(['--help']);
    expect(help).toEqual({
      code: 0,
      stdout: `usage: npm run simulate -- <${types.join('|')}> [--port N] [--host H] [--state FILE]\n`,
      stderr: '',
    });
    const bad = await runSimulate([firstType, '--colour']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('usage: npm run simulate');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('a port in use is one clear line and exit 1', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((r) =>
      blocker.listen(0, '127.0.0.1', () => r((blocker.address() as { port: number }).port)),
    );
    try {
      const busy = await runSimulate([firstType, '--port', String(port)]);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toBe(
        `${firstType} simulator: cannot listen on 127.0.0.1:${port}: the port is in use; pick another with --port, or --port 0 for any free one (EADDRINUSE)\n`,
      );
    } finally {
      blocker.close();
    }
  });

  it('refuses an unknown provider type with a usage line', async () => {
    const child = spawn(process.execPath, ['dist/simulate.js', 'nope'], {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '' },
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    expect(await new Promise((r) => child.once('exit', r))).toBe(2);
    expect(err).toContain(`usage: npm run simulate -- <${types.join('|')}>`);
  });
});

async function runSimulate(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['dist/simulate.js', ...args], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  return { code, stdout, stderr };
}

/** `node dist/simulate.js <type> --port 0`, once it prints its URL, provider config and demo organization. */
async function startSimulateProcess(type: string): Promise<{
  type: string;
  child: ChildProcess;
  exit: Promise<number | null>;
  config: Record<string, unknown>;
  demoOrg: string;
}> {
  const child = spawn(process.execPath, ['dist/simulate.js', type, '--port', '0'], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '' },
  });
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let out = '';
  return new Promise((resolveStart, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /provider config for the gateway: (.*)\ndemo organization: (.*)\n/.exec(out);
      if (m)
        resolveStart({
          type,
          child,
          exit,
          config: JSON.parse(m[1] as string) as Record<string, unknown>,
          demoOrg: m[2] as string,
        });
    });
    void exit.then((code) => reject(new Error(`simulator exited ${code}: ${out}`)));
  });
}
