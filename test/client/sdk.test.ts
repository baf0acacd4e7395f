import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as Sdk from '../../src/client/index.js';
import { definitions } from '../../src/providers/registry.js';
import { withSamples } from '../helpers/providers.js';
import { TestReceiver } from '../helpers/receiver.js';
import { REPO_ROOT } from '../helpers/repo.js';

/**
 * The caller SDK (`plugboard/client`) as built (`npm run build`), against the running sandbox
 * (`node dist/main.js` with no config): typed reads, writes with Idempotency-Key and If-Match,
 * problem errors, and the page walk.
 */

let child: ChildProcess;
let url: string;
let sdk: typeof Sdk;
const sent: Array<{ method: string; url: string; headers: Headers }> = [];
const providerTypes = await withSamples(definitions);
const types = providerTypes.map((p) => p.type);

beforeAll(async () => {
  execFileSync(process.execPath, ['scripts/build.mjs', '--client'], { cwd: REPO_ROOT, stdio: 'inherit' });
  sdk = (await import(pathToFileURL(join(REPO_ROOT, 'dist/client/index.js')).href)) as typeof Sdk;
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-sdk-'));
  child = spawn(process.execPath, ['dist/main.js'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', LOG_LEVEL: 'warn', PLUGBOARD_DATA_DIR: dataDir },
  });
  url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /URL\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited ${code}: ${err}`)));
  });
}, 60_000);
afterAll(async () => {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
});

const client = () =>
  sdk.createPlugboardClient({
    baseUrl: url,
    apiKey: 'sandbox-admin-key',
    fetch: async (input, init) => {
      const req = new Request(input, init);
      sent.push({ method: req.method, url: req.url, headers: req.headers });
      return fetch(req);
    },
  });

describe('plugboard/client against the sandbox', () => {
  it("is the package's `./client` export, importable by name", () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    expect(pkg.exports['./client']).toEqual({
      types: './dist/client/index.d.ts',
      default: './dist/client/index.js',
    });
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { createPlugboardClient } from 'plugboard/client'; console.log(typeof createPlugboardClient)",
      ],
      { cwd: REPO_ROOT },
    );
    expect(out.toString().trim()).toBe('function');
  });

  it('reads providers, the demo organization and its connections, with the Bearer key', async () => {
    const c = client();
    const providers = await c.providers.list();
    expect(providers.data.map((p) => p.id)).toEqual(types);
    const demo = await c.organizations.get('demo');
    expect(Object.keys(demo.links).sort()).toEqual([...types].sort());
    const page = await c.connections.list('demo', { limit: 200 });
    expect(page.data.length).toBeGreaterThanOrEqual(
      providerTypes.reduce((n, p) => n + p.samples.demoConnections, 0),
    );
    expect(sent.at(-1)?.headers.get('authorization')).toBe('Bearer sandbox-admin-key');
  });

  it('walks every page over next_cursor, fetching only as far as the caller goes', async () => {
    const c = client();
    const everything = (await c.connections.list('demo', { limit: 200 })).data.map((x) => x.id);
    const walked: string[] = [];
    for await (const conn of c.connections.all('demo', { limit: 2 })) walked.push(conn.id);
    expect(walked.sort()).toEqual([...everything].sort());
    const before = sent.length;
    for await (const first of c.connections.all('demo', { limit: 2 })) {
      expect(first.organization_id).toBe('demo');
      break;
    }
    expect(sent.length - before).toBe(1);
  });

  it('creates with an Idempotency-Key, updates with If-Match from the previous answer, and gets a typed 412', async () => {
    const c = client();
    const created = await c.connections.create(
      'demo',
      {
        provider: 'leen',
        kind: 'TENABLE',
        name: 'sdk-tenable',
        credentials: { client_key: 'ck', secret_key: 'sk' },
      },
      { idempotencyKey: true },
    );
    expect(created.data).toMatchObject({
      kind: 'TENABLE',
      name: 'sdk-tenable',
      credentials: { stored: true },
    });
    expect(created.etag).toMatch(/^"/);
    expect(sent.at(-1)?.headers.get('idempotency-key')).toMatch(/^[0-9a-f-]{36}$/);

    const renamed = await c.connections.update(
      'demo',
      created.data.id,
      { name: 'sdk-renamed' },
      { ifMatch: created },
    );
    expect(renamed.data.name).toBe('sdk-renamed');
    expect(sent.at(-1)?.headers.get('if-match')).toBe(created.etag);
    expect(sent.at(-1)?.headers.get('content-type')).toBe('application/merge-patch+json');

    const stale = await c.connections
      .update('demo', created.data.id, { name: 'never' }, { ifMatch: created })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(sdk.PlugboardError);
    expect(stale).toMatchObject({ status: 412, code: 'precondition_failed' });
    expect((stale as Sdk.PlugboardError).requestId).toEqual(expect.any(String));

    const got = await c.connections.get('demo', created.data.id);
    expect(got.etag).toBe(renamed.etag);
    await c.connections.delete('demo', created.data.id, { ifMatch: got });
    const gone = await c.connections.get('demo', created.data.id).catch((e: unknown) => e);
    expect(gone).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('turns a refused body into a PlugboardError naming each field', async () => {
    const c = client();
    const e = await c.connections
      .create('demo', { provider: 'leen', kind: 'TENABLE', credentials: { client_key: 'only' } })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(sdk.PlugboardError);
    expect((e as Sdk.PlugboardError).errors).toEqual([
      { pointer: '/credentials/secret_key', message: 'Required' },
    ]);
    const versori = await c.connections
      .create('demo', {
        provider: 'versori',
        kind: 'app_apikey',
        name: 'x',
        credentials: { type: 'api_key', api_key: 'k' },
        status: 'active',
      } as Sdk.CreateConnection)
      .catch((x: unknown) => x);
    expect(versori).toMatchObject({ status: 422, code: 'unsupported_change' });
  });

  it('reads the audit events the writes left, page by page', async () => {
    const c = client();
    const all: Sdk.AuditEvent[] = [];
    for await (const ev of c.events.all('demo', { limit: 1 })) all.push(ev);
    expect(all.map((e) => e.type)).toEqual(
      expect.arrayContaining(['connection.created', 'connection.updated', 'connection.deleted']),
    );
    for (const ev of all) expect(JSON.stringify(ev)).not.toContain('"sk"');
  });

  it('manages a webhook endpoint: create (secret once), test ping verified with standardwebhooks, delivery log, rotate, delete', async () => {
    const c = client();
    const receiver = await TestReceiver.start();
    try {
      const made = await c.webhooks.create({
        url: `${receiver.url}/sdk`,
        organization_ids: ['demo'],
        events: ['webhook.test'],
      });
      expect(made.secret).toMatch(/^whsec_/);
      expect((await c.webhooks.get(made.id)).url).toBe(`${receiver.url}/sdk`);
      const listed: string[] = [];
      for await (const w of c.webhooks.all({ limit: 1 })) listed.push(w.id);
      expect(listed).toContain(made.id);
      expect(await c.webhooks.update(made.id, { description: 'from the sdk' })).toMatchObject({
        description: 'from the sdk',
      });
      const { delivery_id } = await c.webhooks.test(made.id);
      await vi.waitFor(
        () => expect(receiver.verified(made.secret).map((d) => d.payload.type)).toEqual(['webhook.test']),
        { timeout: 10_000 },
      );
      await vi.waitFor(async () =>
        expect((await c.webhooks.deliveries(made.id)).data.find((d) => d.id === delivery_id)?.status).toBe(
          'delivered',
        ),
      );
      await c.webhooks.retryDelivery(made.id, delivery_id);
      const rotated = await c.webhooks.rotateSecret(made.id);
      expect(rotated.secret).not.toBe(made.secret);
      await c.webhooks.delete(made.id);
      expect(await c.webhooks.get(made.id).catch((e: unknown) => e)).toMatchObject({
        status: 404,
        code: 'not_found',
      });
    } finally {
      await receiver.close();
    }
  });

  it('opens a connect session (token and link once), reads, lists and revokes it; the built gateway serves its page and assets', async () => {
    const c = client();
    const made = await c.connectSessions.create('demo', {
      end_user: { id: 'sdk-user' },
      return_url: 'http://127.0.0.1:9/back',
    });
    expect(made.token).toMatch(/^pbcs_/);
    expect(made.url).toBe(`${url}/connect/${made.token}`);
    expect(await c.connectSessions.get('demo', made.id)).toMatchObject({
      status: 'pending',
      end_user: { id: 'sdk-user' },
    });
    const ids: string[] = [];
    for await (const s of c.connectSessions.all('demo', { limit: 1 })) ids.push(s.id);
    expect(ids).toContain(made.id);
    const opened = await fetch(made.url, { redirect: 'manual' });
    expect(opened.status).toBe(303);
    const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect((await fetch(`${url}/connect`, { headers: { cookie } })).status).toBe(200);
    const css = await fetch(`${url}/connect/assets/connect.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
    await c.connectSessions.revoke('demo', made.id);
    expect(await c.connectSessions.get('demo', made.id)).toMatchObject({ status: 'revoked' });
    expect((await fetch(`${url}/connect`, { headers: { cookie } })).status).toBe(410);
  });
});
