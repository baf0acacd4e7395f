import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureProviders, type GatewayConfig } from '../../src/config.js';
import { Secret } from '../../src/core/secret.js';
import type { ProviderDefinition } from '../../src/providers/definition.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway.js';
import { answerClientError } from '../../src/http/client-errors.js';
import { listen, SERVER_LIMIT_DEFAULTS, type ServerLimits } from '../../src/net.js';
import type { WebhookConfig } from '../../src/events/settings.js';
import { ContractChecker } from './contract.js';
import { captureLogs } from './logs.js';

export const ADMIN_KEY = 'test-admin-key-0123456789';

export interface TestGateway {
  url: string;
  gateway: Gateway;
  dir: string;
  logs: ReturnType<typeof captureLogs>;
  /** fetch against the gateway with the admin key (override headers to drop or change it). */
  call(
    method: string,
    path: string,
    opts?: { body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<Response>;
  /** The OpenAPI check every `call` answer went through (`checked` lists the operations seen). */
  contract: ContractChecker;
  close(): Promise<void>;
}

/** Starts a real gateway on a loopback port (0) with SQLite in a temp dir. */
export async function startGateway(
  opts: {
    definitions?: ReadonlyArray<ProviderDefinition>;
    /** Provider entries as a config file holds them. */
    providers?: Array<Record<string, unknown>>;
    encryptionKey?: Buffer | null;
    /** Keys that only open (`encryption.previousKeys`). */
    previousKeys?: Buffer[];
    /** A folder whose `gateway.db` to use (a restart on the same database); the caller removes it. A fresh temp folder, removed on close, when absent. */
    dir?: string;
    upstreamClock?: GatewayOptions['upstreamClock'];
    /** Another database than a fresh SQLite file (e.g. `postgres://…` of a test server). */
    databaseUrl?: string;
    /** pino level of the captured logs (default debug). */
    logLevel?: string;
    /** The server's limits (tests of timeouts use short ones). */
    server?: Partial<ServerLimits>;
    /** Webhook settings (tests use a short schedule and allow loopback receivers). */
    webhooks?: Partial<WebhookConfig>;
    /** The connection monitor's interval (0, the default here: no periodic pass). */
    monitor?: { intervalMs: number };
    /** The gateway's clock (tests move it to expire a session). */
    now?: () => Date;
    /** The connect page's settings (default here: loopback return URLs allowed). */
    connect?: GatewayConfig['connect'];
  } = {},
): Promise<TestGateway> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'plugboard-test-'));
  const logs = captureLogs(opts.logLevel);
  const config: GatewayConfig = {
    server: { host: '127.0.0.1', port: 0, limits: { ...SERVER_LIMIT_DEFAULTS, ...opts.server } },
    database: { url: new Secret(opts.databaseUrl ?? `sqlite:${join(dir, 'gateway.db')}`) },
    auth: { adminKey: new Secret(ADMIN_KEY) },
    encryption: {
      key: opts.encryptionKey === null ? null : new Secret(opts.encryptionKey ?? randomBytes(32)),
      previousKeys: (opts.previousKeys ?? []).map((k) => new Secret(k)),
    },
    logLevel: opts.logLevel ?? 'debug',
    providers: configureProviders(opts.providers ?? [], opts.definitions ?? []),
    ...(opts.webhooks ? { webhooks: opts.webhooks } : {}),
    monitor: opts.monitor ?? { intervalMs: 0 },
    connect: opts.connect ?? { allowLoopback: true },
  };
  const gateway = await createGateway(config, {
    definitions: opts.definitions ?? [],
    logger: logs.logger,
    ...(opts.upstreamClock ? { upstreamClock: opts.upstreamClock } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  const server = await listen(gateway.app.fetch, {
    clientError: answerClientError,
    limits: config.server.limits,
  });
  // Every answer a test gets through `call` is checked against this gateway's own OpenAPI document.
  const contract = new ContractChecker(
    (await (await fetch(`${server.url}/openapi.json`)).json()) as ConstructorParameters<
      typeof ContractChecker
    >[0],
  );
  const violations: string[] = [];
  return {
    url: server.url,
    gateway,
    dir,
    logs,
    contract,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_KEY}` };
      let body: string | undefined;
      if (o.raw !== undefined) body = o.raw;
      else if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
      }
      const res = await fetch(server.url + path, {
        method,
        headers: { ...headers, ...o.headers },
        ...(body !== undefined ? { body } : {}),
      });
      const violation = contract.check(
        method,
        new URL(path, server.url).pathname,
        res.status,
        res.headers.get('content-type'),
        await res.clone().text(),
      );
      if (violation) violations.push(violation);
      return res;
    },
    async close() {
      await server.close(1000);
      await gateway.close();
      if (opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
      if (violations.length > 0)
        throw new Error(`answers that do not match /openapi.json:\n${violations.join('\n')}`);
    },
  };
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/**
 * Walks a gateway list `limit` items at a time, following `next_cursor` to the end. Fails on a page
 * that is not 200, a page longer than `limit`, or a walk that does not end within `maxPages`.
 */
export async function walkList<T>(
  gw: TestGateway,
  path: string,
  limit: number,
  maxPages = 100,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < maxPages; pages += 1) {
    const url = `${path}${path.includes('?') ? '&' : '?'}limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const res = await gw.call('GET', url);
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
    const page = await json<{ data: T[]; next_cursor: string | null }>(res);
    if (page.data.length > limit)
      throw new Error(`GET ${url}: ${page.data.length} items, more than the limit ${limit}`);
    items.push(...page.data);
    cursor = page.next_cursor;
    if (cursor === null) return items;
  }
  throw new Error(`GET ${path}: no end after ${maxPages} pages of ${limit}`);
}

/** Every registered provider type's simulator, and a gateway with one entry of each (ids equal to the types). */
export async function startGatewayWithSimulators(
  definitions: ReadonlyArray<ProviderDefinition>,
): Promise<{ gw: TestGateway; close(): Promise<void> }> {
  const started = await Promise.all(definitions.map(async (d) => ({ d, sim: await d.startSimulator({}) })));
  const gw = await startGateway({
    definitions,
    providers: started.map(({ d, sim }) => ({ id: d.type, type: d.type, ...sim.providerConfig })),
  });
  return {
    gw,
    close: async () => {
      await gw.close();
      await Promise.all(started.map(({ sim }) => sim.close()));
    },
  };
}
