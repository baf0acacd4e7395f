import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ConfigError, type GatewayConfig } from './config.js';
import type { ProviderAdapter } from './core/adapter.js';
import { ADMIN, type Caller } from './core/caller.js';
import { Sealer } from './core/crypto.js';
import { CursorCodec } from './core/cursor.js';
import { changeBodySchema } from './core/connections/change.js';
import { createBodyRules } from './core/connections/create-body.js';
import { upstreamSettings, UpstreamPolicy, type PolicyDeps } from './core/upstream/policy.js';
import { ConnectionService } from './core/connections/service.js';
import { EventService } from './core/services/events.js';
import { OrganizationService } from './core/services/organizations.js';
import { createApp } from './http/app.js';
import type { AppEnv } from './http/env.js';
import type { ProviderDefinition } from './providers/definition.js';
import { openStorage } from './storage/open.js';
import type { Storage } from './storage/storage.js';

export interface Gateway {
  app: Hono<AppEnv>;
  storage: Storage;
  adapters: ReadonlyMap<string, ProviderAdapter>;
  organizations: OrganizationService;
  metrics: Registry;
  close(): Promise<void>;
}

export interface GatewayOptions {
  definitions: ReadonlyArray<ProviderDefinition>;
  logger: Logger;
  now?: () => Date;
  /** The metrics registry (a fresh one, with Node's process metrics, when absent). */
  metrics?: Registry;
  /** The upstream policies' clock and waits (tests move a fake clock instead of waiting). */
  upstreamClock?: Pick<PolicyDeps, 'now' | 'sleep'>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Wires config → storage → adapters → services → Hono app. Everything is built here, nothing is global. */
export async function createGateway(config: GatewayConfig, opts: GatewayOptions): Promise<Gateway> {
  const byType = new Map(opts.definitions.map((d) => [d.type, d]));
  const metrics = opts.metrics ?? defaultRegistry();
  const adapters = new Map<string, ProviderAdapter>();
  const policies = new Map<string, UpstreamPolicy>();
  for (const p of config.providers) {
    const def = byType.get(p.type) as ProviderDefinition;
    // One policy per entry, shared by every client of that provider.
    const upstream = new UpstreamPolicy(p.id, upstreamSettings(p), { logger: opts.logger, metrics, ...opts.upstreamClock });
    policies.set(p.id, upstream);
    adapters.set(p.id, def.createAdapter(p, { logger: opts.logger, upstream }));
  }
  const needsKey = [...adapters.values()].filter((a) => a.capabilities.supportsCredentials).map((a) => a.id);
  if (!config.encryption.key && needsKey.length > 0) {
    throw new ConfigError([`encryption.key: required because provider(s) ${needsKey.join(', ')} accept credentials, which the gateway stores encrypted (or set GATEWAY_ENCRYPTION_KEY)`]);
  }

  const storage = await openStorage(config.database.url);
  const cursorSecret = await storage.getOrInitSetting('cursor_secret', () => randomBytes(32).toString('base64url'));
  const deps = {
    storage,
    providers: adapters,
    sealer: config.encryption.key ? new Sealer([config.encryption.key.reveal()]) : null,
    cursors: new CursorCodec(cursorSecret),
    logger: opts.logger,
    now: opts.now ?? (() => new Date()),
  };
  const organizations = new OrganizationService(deps);
  const adminDigest = digest(config.auth.adminKey.reveal());
  const app = createApp({
    organizations,
    connections: new ConnectionService(deps, organizations),
    events: new EventService(deps, organizations),
    providers: [...adapters.values()].map((a) => {
      const policy = policies.get(a.id) as UpstreamPolicy;
      return { id: a.id, type: a.type, capabilities: a.capabilities, linkFormat: a.linkFormat.description, circuit: () => policy.circuit };
    }),
    createConnectionBody: createBodyRules([...adapters.values()]),
    changeConnectionBody: changeBodySchema([...adapters.values()]),
    authenticate: (key: string): Caller | null => (timingSafeEqual(digest(key), adminDigest) ? ADMIN : null),
    ready: () => storage.ping(),
    logger: opts.logger,
    metrics,
  });
  return {
    app, storage, adapters, organizations, metrics,
    close: async () => {
      await Promise.all([...policies.values()].map((p) => p.close()));
      await storage.close();
    },
  };
}

/** A registry with Node's process metrics (CPU, memory, event loop, handles), named `plugboard_process_…` and the like. */
function defaultRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'plugboard_' });
  return registry;
}
