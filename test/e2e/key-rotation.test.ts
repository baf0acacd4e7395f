import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Connection } from '../../src/core/connection.js';
import { keyIdOf } from '../../src/core/crypto.js';
import { DEMO_ORGANISATION } from '../../src/providers/versori/fixtures.js';
import { versoriProvider } from '../../src/providers/versori/definition.js';
import { startVersoriSimulator, type VersoriSimulator } from '../../src/providers/versori/simulator/index.js';
import { storedSecretFingerprint } from '../../src/providers/versori/simulator/state.js';
import { fingerprint } from '../../src/simulator/fingerprint.js';
import { ADMIN_KEY, json, startGateway, type TestGateway } from '../helpers/gateway.js';
import { buildDist } from '../helpers/process.js';
import { TestReceiver } from '../helpers/receiver.js';
import { REPO_ROOT } from '../helpers/repo.js';

/**
 * `npm run rotate-key` (the built `dist/rotate-key.js`) against a gateway's SQLite file, proved with
 * Versori: it can only replace whole connections, so every PATCH and PUT without credentials opens
 * the stored copy and sends it. After rotation a gateway with only the new key changes every
 * connection, and the provider receives the original secrets.
 */

const OLD = randomBytes(32);
const NEW = randomBytes(32);
const CANARY = 'canary-5e1f0a77-rotation-secret';
const ORG = 'acme';
const base = `/v1/organizations/${ORG}/connections`;
let sim: VersoriSimulator;
const dirs: string[] = [];

beforeAll(async () => {
  // npm run rotate-key builds first; do the same so the test runs the current source.
  await buildDist();
  sim = await startVersoriSimulator({ seedDemo: true });
});
afterAll(async () => {
  await sim.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const providers = () => [{ id: 'versori', type: 'versori', apiKey: sim.apiKey, baseUrl: sim.baseUrl }];
const gatewayOn = (dir: string, key: Buffer, previousKeys: Buffer[] = []) =>
  startGateway({
    definitions: [versoriProvider],
    providers: providers(),
    dir,
    encryptionKey: key,
    previousKeys,
    webhooks: { allowHttp: true, allowPrivateNetworks: true, pollMs: 20 },
  });
const secretOf = (c: Connection) =>
  storedSecretFingerprint(sim.state, DEMO_ORGANISATION.id, c.external.connection_id);

function newDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pb-rotate-e2e-'));
  dirs.push(dir);
  return dir;
}

/** The gateway's configuration file for `dir`'s database, with the keys given through the environment. */
function configFile(dir: string): string {
  const file = join(dir, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({
      database: { url: `sqlite:${join(dir, 'gateway.db')}` },
      auth: { adminKey: '${GATEWAY_ADMIN_KEY}' },
      encryption: { key: '${NEW_KEY}', previousKeys: ['${OLD_KEY}'] },
      providers: providers(),
    }),
  );
  return file;
}

/** `node dist/rotate-key.js` as `npm run rotate-key` runs it, with only the environment given. */
async function rotateKey(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['dist/rotate-key.js', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', GATEWAY_ADMIN_KEY: ADMIN_KEY, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  return { code, stdout, stderr };
}

/** Every sealed row, as stored (key id, nonce, ciphertext), by connection id. */
function sealedRows(
  dir: string,
): Record<string, { key_id: string; nonce: string; ciphertext: string; updated_at: string }> {
  const db = new Database(join(dir, 'gateway.db'), { readonly: true });
  try {
    const rows = db
      .prepare(
        'SELECT connection_id, key_id, hex(nonce) AS nonce, hex(ciphertext) AS ciphertext, updated_at FROM credentials ORDER BY connection_id',
      )
      .all() as Array<{
      connection_id: string;
      key_id: string;
      nonce: string;
      ciphertext: string;
      updated_at: string;
    }>;
    return Object.fromEntries(rows.map(({ connection_id, ...r }) => [connection_id, r]));
  } finally {
    db.close();
  }
}

async function createConnections(gw: TestGateway): Promise<Array<{ c: Connection; secret: string }>> {
  expect(
    (
      await gw.call('POST', '/v1/organizations', {
        body: { id: ORG, name: 'Acme', links: { versori: DEMO_ORGANISATION.id } },
      })
    ).status,
  ).toBe(201);
  const made: Array<{ c: Connection; secret: string }> = [];
  for (let i = 0; i < 4; i++) {
    const credentials =
      i % 2 === 0
        ? { type: 'api_key', api_key: `${CANARY}-${i}` }
        : { type: 'basic_auth', user: `user-${i}`, password: `${CANARY}-${i}` };
    const res = await gw.call('POST', base, {
      body: {
        provider: 'versori',
        kind: i % 2 === 0 ? 'app_apikey' : 'app_basic_auth',
        name: `rotated-${i}`,
        credentials,
      },
    });
    expect(res.status).toBe(201);
    const c = await json<Connection>(res);
    made.push({
      c,
      secret: fingerprint(
        i % 2 === 0 ? { apiKey: `${CANARY}-${i}` } : { user: `user-${i}`, password: `${CANARY}-${i}` },
      ),
    });
    expect(secretOf(c)).toBe(made.at(-1)?.secret);
  }
  return made;
}

describe('npm run rotate-key', () => {
  it('re-seals every credential under the new key while a gateway runs; a gateway with only the new key then patches and replaces every connection', async () => {
    const dir = newDir();
    const env = {
      GATEWAY_CONFIG: configFile(dir),
      NEW_KEY: NEW.toString('base64'),
      OLD_KEY: OLD.toString('base64'),
    };
    const before = await gatewayOn(dir, OLD);
    // A webhook endpoint whose signing secret is sealed under the old key too.
    const receiver = await TestReceiver.start();
    const hook = await json<{ id: string; secret: string }>(
      await before.call('POST', '/v1/webhooks', {
        body: { url: `${receiver.url}/k`, organization_ids: ['*'], events: ['organization.updated'] },
      }),
    );
    const made = await createConnections(before);
    await before.close();
    expect(new Set(Object.values(sealedRows(dir)).map((r) => r.key_id))).toEqual(new Set([keyIdOf(OLD)]));

    // Step 1: the gateway restarts with the new key, the old one as a previous key. It opens old rows
    // and seals what it writes under the new key.
    const during = await gatewayOn(dir, NEW, [OLD]);
    const [first, second] = made as [(typeof made)[number], (typeof made)[number]];
    expect(
      (await during.call('PATCH', `${base}/${first.c.id}`, { body: { name: 'renamed-before-rotation' } }))
        .status,
    ).toBe(200);
    expect(secretOf(first.c)).toBe(first.secret);
    const fresh = { type: 'basic_auth', user: 'user-fresh', password: `${CANARY}-fresh` };
    expect(
      (await during.call('PATCH', `${base}/${second.c.id}`, { body: { credentials: fresh } })).status,
    ).toBe(200);
    second.secret = fingerprint({ user: 'user-fresh', password: `${CANARY}-fresh` });
    expect(sealedRows(dir)[second.c.id]?.key_id).toBe(keyIdOf(NEW));

    // Step 2: the command, while that gateway runs on the same file.
    const run = await rotateKey(env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`current key id: ${keyIdOf(NEW)}`);
    expect(run.stdout).toContain(
      `before: 4 sealed row(s) — by key id: ${[
        [keyIdOf(NEW), ' (current): 1'],
        [keyIdOf(OLD), ': 3'],
      ]
        .sort()
        .map(([id, n]) => `${id}${n}`)
        .join(', ')}`,
    );
    expect(run.stdout).toContain('re-sealed: 3\nalready under the current key: 1\n');
    expect(run.stdout).toContain(`after: 4 sealed row(s) — by key id: ${keyIdOf(NEW)} (current): 4`);
    expect(run.stdout).toMatch(/^done: every stored credential is sealed under the current key/m);
    expect(run.stdout).toContain(
      'webhook signing secrets re-sealed: 1, rewritten meanwhile: 0, cannot be opened: 0\n',
    );
    const rotated = sealedRows(dir);
    expect(new Set(Object.values(rotated).map((r) => r.key_id))).toEqual(new Set([keyIdOf(NEW)]));
    await during.close();

    // Step 3: the old key is removed. Every connection still opens: PATCH and PUT replay the stored copy.
    const after = await gatewayOn(dir, NEW);
    for (const { c, secret } of made) {
      expect(
        (await after.call('PATCH', `${base}/${c.id}`, { body: { name: `${c.name}-patched` } })).status,
      ).toBe(200);
      expect(
        (await after.call('PUT', `${base}/${c.id}`, { body: { name: `${c.name}-replaced` } })).status,
      ).toBe(200);
      expect(secretOf(c)).toBe(secret);
      expect(sim.state.organisations[DEMO_ORGANISATION.id]?.connections[c.external.connection_id]?.name).toBe(
        `${c.name}-replaced`,
      );
    }

    // The endpoint's secret opens under the new key alone: deliveries verify with the secret it was given.
    expect(
      (await after.call('PATCH', `/v1/organizations/${ORG}`, { body: { name: 'after rotation' } })).status,
    ).toBe(200);
    await vi.waitFor(() =>
      expect(receiver.verified(hook.secret).map((d) => d.payload.type)).toContain('organization.updated'),
    );
    await receiver.close();

    // Re-running is a no-op: nothing re-sealed, not a byte of a row changed.
    const again = await rotateKey(env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('re-sealed: 0\n');
    expect(again.stdout).toContain('already under the current key: 4\n');
    expect(again.stdout).toContain('webhook signing secrets re-sealed: 0');
    expect(sealedRows(dir)).toEqual(rotated);

    // No secret (a credential, either key) in the command's output, the gateways' logs or the database files.
    const keys = [NEW, OLD].flatMap((k) => [k.toString('base64'), k.toString('hex')]);
    for (const text of [
      run.stdout,
      run.stderr,
      again.stdout,
      again.stderr,
      before.logs.text(),
      during.logs.text(),
      after.logs.text(),
    ]) {
      expect(text).not.toContain(CANARY);
      for (const k of keys) expect(text).not.toContain(k);
    }
    expect(run.stderr).toBe('');
    const db = join(dir, 'gateway.db');
    for (const file of [db, `${db}-wal`])
      if (existsSync(file)) expect(readFileSync(file).includes(CANARY)).toBe(false);
    await after.close();
  });

  it('a row sealed under a key that is not configured: the gateway answers 500 naming the key id, and the command reports it without changing it', async () => {
    const dir = newDir();
    const before = await gatewayOn(dir, OLD);
    const [{ c } = { c: null }] = await createConnections(before);
    await before.close();
    if (!c) throw new Error('no connection');

    // The old key forgotten before rotation: the stored copy cannot be opened, nothing is sent upstream.
    const gw = await gatewayOn(dir, NEW);
    const puts = sim.kit.count('PUT', /\/connections\//);
    const res = await gw.call('PATCH', `${base}/${c.id}`, { body: { name: 'never-sent' } });
    expect(res.status).toBe(500);
    const problem = await json<{ code: string; detail: string; request_id: string }>(res);
    expect(problem.code).toBe('internal');
    expect(problem.detail).toBe(
      `Stored credentials of connection ${c.id} are sealed with key id ${keyIdOf(OLD)}, which is not configured; add that key to encryption.previousKeys.`,
    );
    expect(sim.kit.count('PUT', /\/connections\//)).toBe(puts);
    const logged = gw.logs
      .parsed()
      .find((l) => l['msg'] === 'internal error' && l['request_id'] === problem.request_id);
    expect(JSON.stringify(logged)).toContain(keyIdOf(OLD));
    await gw.close();

    const stored = sealedRows(dir);
    const run = await rotateKey({
      GATEWAY_CONFIG: configFile(dir),
      NEW_KEY: NEW.toString('base64'),
      OLD_KEY: randomBytes(32).toString('base64'),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('cannot be opened: 4\n');
    expect(run.stderr).toContain(
      `  - Stored credentials of connection ${c.id} are sealed with key id ${keyIdOf(OLD)}, which is not configured; add that key to encryption.previousKeys. (organization ${ORG})\n`,
    );
    expect(run.stderr).toMatch(/^not done: 4 stored credential\(s\) are still sealed under other keys/m);
    expect(run.stderr).not.toMatch(/\n\s+at /); // a report, not a stack trace
    expect(`${run.stdout}${run.stderr}`).not.toContain(CANARY);
    expect(sealedRows(dir)).toEqual(stored);
  });

  it('refuses without GATEWAY_CONFIG, with a bad configuration (by key path, no value) and with a database that does not exist', async () => {
    const none = await rotateKey({});
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^rotate-key: GATEWAY_CONFIG is not set/);

    const dir = newDir();
    const bad = await rotateKey({
      GATEWAY_CONFIG: configFile(dir),
      NEW_KEY: NEW.toString('base64'),
      OLD_KEY: CANARY,
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('encryption.previousKeys[0]: must be 32 bytes, base64-encoded');
    expect(bad.stderr).not.toContain(CANARY);

    const missing = await rotateKey({
      GATEWAY_CONFIG: configFile(dir),
      NEW_KEY: NEW.toString('base64'),
      OLD_KEY: OLD.toString('base64'),
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^rotate-key: cannot open database\.url \(no SQLite database at /);
    expect(existsSync(join(dir, 'gateway.db'))).toBe(false);
  });
});
