import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, loadConfigFile, parseConfig } from '../../src/config.js';
import { SERVER_LIMIT_DEFAULTS } from '../../src/net.js';
import type { ProviderDefinition } from '../../src/providers/definition.js';

const fake = (type: string, schema: z.ZodType<Record<string, unknown>>): ProviderDefinition => ({
  type,
  configSchema: schema,
  linkFormat: { description: 'any', problem: () => null },
  createAdapter: () => {
    throw new Error('not used');
  },
  startSimulator: () => {
    throw new Error('not used');
  },
  samples: () => {
    throw new Error('not used');
  },
});
const definitions = [
  fake('leen', z.strictObject({ apiKey: z.string().min(1) })),
  fake(
    'auth0',
    z.strictObject({
      domain: z.string().min(1),
      clientId: z.string().min(1),
      clientSecret: z.string().min(1),
    }),
  ),
];
const KEY = Buffer.alloc(32, 7).toString('base64');
const CANARY = 'canary-secret-c4n4ry-value';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('config (contract §1)', () => {
  const good = {
    server: { host: '0.0.0.0', port: 9090 },
    database: { url: 'sqlite:./data/x.db' },
    auth: { adminKey: '${GATEWAY_ADMIN_KEY}' },
    encryption: { key: '${ENC}' },
    providers: [
      { id: 'leen', type: 'leen', apiKey: '${LEEN_API_KEY}', timeoutMs: 2000, retry: { attempts: 2 } },
      {
        id: 'auth0-eu',
        type: 'auth0',
        domain: 'acme.eu.auth0.com',
        clientId: 'cid',
        clientSecret: 'pre-${AUTH0_SECRET}-post',
        baseUrl: 'http://127.0.0.1:9999',
      },
      { id: 'auth0-us', type: 'auth0', domain: 'acme.us.auth0.com', clientId: 'cid2', clientSecret: 's2' },
    ],
  };
  const env = {
    GATEWAY_ADMIN_KEY: 'admin-key-0123456789',
    ENC: KEY,
    LEEN_API_KEY: 'leen-key',
    AUTH0_SECRET: 'middle',
  };

  it('reads a good file with ${ENV} interpolation anywhere in a string', () => {
    const c = parseConfig({ text: JSON.stringify(good), env, definitions });
    expect(c.server).toEqual({ host: '0.0.0.0', port: 9090, limits: SERVER_LIMIT_DEFAULTS });
    expect(c.auth.adminKey.reveal()).toBe('admin-key-0123456789');
    expect(c.encryption.key?.reveal().length).toBe(32);
    expect(JSON.stringify(c)).not.toContain('admin-key-0123456789');
    expect(c.providers.map((p) => p.id)).toEqual(['leen', 'auth0-eu', 'auth0-us']);
    expect(c.providers[0]).toMatchObject({ apiKey: 'leen-key', timeoutMs: 2000, retry: { attempts: 2 } });
    expect(c.providers[1]).toMatchObject({
      clientSecret: 'pre-middle-post',
      baseUrl: 'http://127.0.0.1:9999',
    });
  });

  it('lets environment variables beat the file', () => {
    const c = parseConfig({
      text: JSON.stringify(good),
      env: {
        ...env,
        HOST: '127.0.0.2',
        PORT: '7000',
        GATEWAY_ADMIN_KEY: 'from-env-key-0123456',
        GATEWAY_DATABASE_URL: 'sqlite::memory:',
        LOG_LEVEL: 'warn',
      },
      definitions,
    });
    expect(c.server).toMatchObject({ host: '127.0.0.2', port: 7000 });
    expect(c.auth.adminKey.reveal()).toBe('from-env-key-0123456');
    expect(c.database.url.reveal()).toBe('sqlite::memory:');
    expect(c.logLevel).toBe('warn');
  });

  it('reads a PostgreSQL database: its settings (defaults when absent), checked by key path; the URL, which may hold a password, never shown', () => {
    const url = `postgres://plugboard:${CANARY}@db.internal:5432/plugboard`;
    const c = parseConfig({
      text: JSON.stringify({ ...good, database: { url, poolSize: 4, lockLeaseMs: 2000 } }),
      env,
      definitions,
    });
    expect(c.database.url.reveal()).toBe(url);
    expect(c.database.postgres).toEqual({
      poolSize: 4,
      connectTimeoutMs: 2000,
      statementTimeoutMs: 5000,
      lockLeaseMs: 2000,
      lockWaitMs: 30000,
    });
    expect(JSON.stringify(c)).not.toContain(CANARY);
    const found = problems(() =>
      parseConfig({
        text: JSON.stringify({ ...good, database: { url, poolSize: 0, lockLeaseMs: 5, colour: 'red' } }),
        env,
        definitions,
      }),
    );
    expect(found.join('\n')).toMatch(/database\.poolSize/);
    expect(found.join('\n')).toMatch(/database\.lockLeaseMs/);
    expect(found.join('\n')).toMatch(/database.*colour/);
    expect(found.join('\n')).not.toContain(CANARY);
  });

  it('works from the environment alone, with defaults', () => {
    const c = parseConfig({ env: { GATEWAY_ADMIN_KEY: 'admin-key-0123456789' }, definitions });
    expect(c.server).toEqual({
      host: '127.0.0.1',
      port: 8080,
      limits: {
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 30_000,
        keepAliveTimeoutMs: 5_000,
        maxConnections: 1_024,
      },
    });
    expect(c.database.url.reveal()).toBe('sqlite:./data/plugboard.db');
    expect(c.providers).toEqual([]);
  });

  it('lists every problem by key path, and never a secret', () => {
    const bad = {
      auth: { adminKey: CANARY },
      encryption: { key: CANARY },
      colour: 'blue',
      providers: [
        { id: 'leen', type: 'leen', apiKey: CANARY, extra: CANARY },
        { id: 'auth0', type: 'auth0', clientId: 'x', clientSecret: CANARY },
        { id: 'Bad_Id', type: 'leen', apiKey: CANARY },
        { id: 'leen', type: 'leen', apiKey: CANARY, baseUrl: 'http://x/' },
        { id: 'x', type: 'nope' },
      ],
    };
    const first = problems(() => parseConfig({ text: JSON.stringify(bad), env: {}, definitions }));
    expect(first).toEqual(['(root): not allowed: unknown key(s) colour']);
    delete (bad as Partial<typeof bad>).colour;
    const list = problems(() => parseConfig({ text: JSON.stringify(bad), env: {}, definitions }));
    expect(list).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^providers\[0\]: not allowed: unknown key\(s\) extra$/),
        expect.stringMatching(/^providers\[1\]\.domain: /),
        expect.stringMatching(/^providers\[2\]\.id: must match/),
        expect.stringMatching(/^providers\[3\]\.baseUrl: must not end with a slash/),
        expect.stringMatching(/^providers\[4\]\.type: must be one of leen, auth0/),
        expect.stringMatching(/^encryption\.key: must be 32 bytes/),
      ]),
    );
    const all = new ConfigError(list).message;
    expect(all).not.toContain(CANARY);
  });

  it('reads the server limits, and refuses ones Node cannot take, by key path', () => {
    const limits = {
      headersTimeoutMs: 2_000,
      requestTimeoutMs: 8_000,
      keepAliveTimeoutMs: 65_000,
      maxConnections: 200,
    };
    const c = parseConfig({
      text: JSON.stringify({ ...good, server: { ...good.server, ...limits } }),
      env,
      definitions,
    });
    expect(c.server.limits).toEqual(limits);
    const partial = parseConfig({
      text: JSON.stringify({ ...good, server: { requestTimeoutMs: 60_000 } }),
      env,
      definitions,
    });
    expect(partial.server.limits).toEqual({ ...SERVER_LIMIT_DEFAULTS, requestTimeoutMs: 60_000 });
    const list = problems(() =>
      parseConfig({
        text: JSON.stringify({
          ...good,
          server: { headersTimeoutMs: 0, requestTimeoutMs: 1.5, keepAliveTimeoutMs: -1, maxConnections: 0 },
        }),
        env,
        definitions,
      }),
    );
    expect(list.map((p) => p.split(':')[0]).sort()).toEqual([
      'server.headersTimeoutMs',
      'server.keepAliveTimeoutMs',
      'server.maxConnections',
      'server.requestTimeoutMs',
    ]);
    expect(
      problems(() =>
        parseConfig({
          text: JSON.stringify({ ...good, server: { headersTimeoutMs: 20_000, requestTimeoutMs: 10_000 } }),
          env,
          definitions,
        }),
      ),
    ).toEqual(['server.headersTimeoutMs: must not be more than server.requestTimeoutMs']);
    expect(
      problems(() =>
        parseConfig({ text: JSON.stringify({ ...good, server: { timeoutMs: 5 } }), env, definitions }),
      ),
    ).toEqual(['server: not allowed: unknown key(s) timeoutMs']);
  });

  it('names missing environment variables by key path', () => {
    const list = problems(() =>
      parseConfig({
        text: JSON.stringify(good),
        env: { ENC: KEY, GATEWAY_ADMIN_KEY: 'admin-key-0123456789' },
        definitions,
      }),
    );
    expect(list).toEqual(
      expect.arrayContaining([
        'providers[0].apiKey: environment variable LEEN_API_KEY is not set',
        'providers[1].clientSecret: environment variable AUTH0_SECRET is not set',
      ]),
    );
  });

  it('reports duplicate ids and a missing admin key', () => {
    const list = problems(() =>
      parseConfig({
        text: JSON.stringify({
          providers: [
            { id: 'a', type: 'leen', apiKey: 'k' },
            { id: 'a', type: 'leen', apiKey: 'k' },
          ],
        }),
        env: {},
        definitions,
      }),
    );
    expect(list).toEqual(
      expect.arrayContaining([
        'providers[1].id: duplicate id "a"',
        'auth.adminKey: required (or set GATEWAY_ADMIN_KEY)',
      ]),
    );
  });

  it('reports invalid JSON and an unreadable file without their content', () => {
    expect(
      problems(() => parseConfig({ text: `{"auth": {"adminKey": "${CANARY}"`, env: {}, definitions })).join(),
    ).not.toContain(CANARY);
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    expect(problems(() => loadConfigFile(join(dir, 'missing.json'), {}, definitions))[0]).toMatch(
      /^GATEWAY_CONFIG: cannot read .* \(ENOENT\)$/,
    );
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify({ auth: { adminKey: 'admin-key-0123456789' } }));
    expect(loadConfigFile(file, {}, definitions).auth.adminKey.reveal()).toBe('admin-key-0123456789');
  });

  describe('previous encryption keys (key rotation)', () => {
    const OLD = Buffer.alloc(32, 1).toString('base64');
    const OLDER = Buffer.alloc(32, 2).toString('base64');
    const base = { auth: { adminKey: 'admin-key-0123456789' }, encryption: { key: KEY } };

    it('reads encryption.previousKeys from the file (with ${ENV}), as secrets that never serialise', () => {
      const c = parseConfig({
        text: JSON.stringify({ ...base, encryption: { key: KEY, previousKeys: ['${OLD}', OLDER] } }),
        env: { OLD },
        definitions,
      });
      expect(c.encryption.previousKeys?.map((k) => k.reveal().toString('base64'))).toEqual([OLD, OLDER]);
      expect(JSON.stringify(c)).not.toContain(OLD);
      expect(JSON.stringify(c)).not.toContain(KEY);
      expect(
        parseConfig({ text: JSON.stringify(base), env: {}, definitions }).encryption.previousKeys,
      ).toEqual([]);
    });

    it('GATEWAY_ENCRYPTION_PREVIOUS_KEYS (comma-separated) beats the file', () => {
      const c = parseConfig({
        text: JSON.stringify({ ...base, encryption: { key: KEY, previousKeys: [OLD] } }),
        env: { GATEWAY_ENCRYPTION_PREVIOUS_KEYS: ` ${OLDER} , ${OLD},` },
        definitions,
      });
      expect(c.encryption.previousKeys?.map((k) => k.reveal().toString('base64'))).toEqual([OLDER, OLD]);
    });

    it('names each bad previous key by its position, never by its value', () => {
      const bad = problems(() =>
        parseConfig({
          text: JSON.stringify({ ...base, encryption: { key: KEY, previousKeys: [OLD, CANARY, KEY, OLD] } }),
          env: {},
          definitions,
        }),
      );
      expect(bad).toEqual([
        'encryption.previousKeys[1]: must be 32 bytes, base64-encoded',
        'encryption.previousKeys[2]: is the current encryption.key; a previous key must be another one',
        'encryption.previousKeys[3]: given twice',
      ]);
      const fromEnv = problems(() =>
        parseConfig({
          text: JSON.stringify(base),
          env: { GATEWAY_ENCRYPTION_PREVIOUS_KEYS: `${OLD},${CANARY}` },
          definitions,
        }),
      );
      expect(fromEnv).toEqual(['GATEWAY_ENCRYPTION_PREVIOUS_KEYS[1]: must be 32 bytes, base64-encoded']);
      const noCurrent = problems(() =>
        parseConfig({
          text: JSON.stringify({ auth: base.auth, encryption: { previousKeys: [OLD] } }),
          env: {},
          definitions,
        }),
      );
      expect(noCurrent).toEqual([expect.stringMatching(/^encryption\.previousKeys: needs encryption\.key/)]);
      const notStrings = problems(() =>
        parseConfig({
          text: JSON.stringify({ ...base, encryption: { key: KEY, previousKeys: [CANARY, 7] } }),
          env: {},
          definitions,
        }),
      );
      expect(notStrings).toEqual([expect.stringMatching(/^encryption\.previousKeys\[1\]: /)]);
      expect(new ConfigError([...bad, ...fromEnv, ...noCurrent, ...notStrings]).message).not.toMatch(
        new RegExp(`${CANARY}|${OLD.slice(0, 20)}|${KEY.slice(0, 20)}`),
      );
    });
  });
});
