import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { CONNECT_DEFAULTS, ConfigError, type GatewayConfig } from './config.js';
import type { ProviderAdapter } from './core/adapter.js';
import { isWellFormedApiKey } from './core/api-key-token.js';
import { ADMIN, type Caller } from './core/caller.js';
import { Sealer } from './core/crypto.js';
import { CursorCodec } from './core/cursor.js';
import { changeBodySchema } from './core/connections/change.js';
import { createBodyRules } from './core/connections/create-body.js';
import { upstreamSettings, UpstreamPolicy, type PolicyDeps } from './upstream/policy.js';
import { ConnectionService } from './core/connections/service.js';
import { ApiKeyService } from './core/services/api-keys.js';
import { ConnectSessionService } from './core/services/connect-sessions.js';
import { IdempotencyKeys } from './core/services/idempotency.js';
import { EventService } from './core/services/events.js';
import { OrganizationService } from './core/services/organizations.js';
import { WebhookService } from './core/services/webhooks.js';
import { connectPage } from './connect/page.js';
import { Dispatcher } from './events/dispatcher.js';
import { deliveryMetrics } from './events/metrics.js';
import { WebhookSender } from './events/sender.js';
import { WEBHOOK_DEFAULTS, type WebhookConfig } from './events/settings.js';
import { WebhookUrlGuard } from './events/url-guard.js';
import { DEFAULT_MONITOR_INTERVAL_MS } from './monitor/settings.js';
import { ConnectionMonitor } from './monitor/monitor.js';
import { VERSION } from './version.js';
import { accessLogger } from './logger.js';
import type { Storage } from './core/storage.js';
import { createApp } from './http/app.js';
import type { AppEnv } from './http/env.js';
import type { ProviderDefinition } from './providers/definition.js';
import { openStorage } from './storage/open.js';

export interface Gateway {
  app: Hono<AppEnv>;
  storage: Storage;
  adapters: ReadonlyMap<string, ProviderAdapter>;
  organizations: OrganizationService;
  connections: ConnectionService;
  metrics: Registry;
  /** Sends webhook deliveries; `wake()` makes it look for due ones now. */
  dispatcher: Dispatcher;
  /** The connection monitor; `runDue()` makes a pass now if one is due. */
  monitor: ConnectionMonitor;
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
  /** Whether this process sends webhook deliveries and runs the monitor (default true; a tool such as the reference document does not). */
  dispatch?: boolean;
}

/** How often creates left unsettled are looked for (also once at start). */
const RECONCILE_EVERY_MS = 5 * 60_000;

const digest = (s: string) => hash('sha256', s, 'buffer');

/** Wires config → storage → adapters → services → Hono app. Everything is built here, nothing is global. */
export async function createGateway(config: GatewayConfig, opts: GatewayOptions): Promise<Gateway> {
  const byType = new Map(opts.definitions.map((d) => [d.type, d]));
  const metrics = opts.metrics ?? defaultRegistry();
  const adapters = new Map<string, ProviderAdapter>();
  const policies = new Map<string, UpstreamPolicy>();
  for (const p of config.providers) {
    const def = byType.get(p.type) as ProviderDefinition;
    // One policy per entry, shared by every client of that provider.
    const upstream = new UpstreamPolicy(p.id, upstreamSettings(p), {
      logger: opts.logger,
      metrics,
      ...opts.upstreamClock,
    });
    policies.set(p.id, upstream);
    adapters.set(p.id, def.createAdapter(p, { logger: opts.logger, upstream }));
  }
  const needsKey = [...adapters.values()].filter((a) => a.capabilities.supportsCredentials).map((a) => a.id);
  if (!config.encryption.key && needsKey.length > 0) {
    throw new ConfigError([
      `encryption.key: required because provider(s) ${needsKey.join(', ')} accept credentials, which the gateway stores encrypted (or set GATEWAY_ENCRYPTION_KEY)`,
    ]);
  }

  const storage = await openStorage(config.database, opts.logger);
  // Replicas on one database drop each other's written paths from their read caches.
  storage.broadcast.subscribe(
    (message) => {
      const w = parseWriteMessage(message);
      if (w) policies.get(w.provider)?.wrote(w.prefix, true);
    },
    // Messages may have been missed: every cached read may be stale.
    () => {
      for (const policy of policies.values()) policy.wrote('', true);
    },
  );
  for (const [id, policy] of policies)
    policy.onWrite(
      (prefix) => void storage.broadcast.publish(JSON.stringify({ wrote: prefix, provider: id })),
    );
  const cursorSecret = await storage.getOrInitSetting('cursor_secret', () =>
    randomBytes(32).toString('base64url'),
  );
  const deps = {
    storage,
    providers: adapters,
    sealer: Sealer.fromConfig(config.encryption),
    cursors: new CursorCodec(cursorSecret),
    logger: opts.logger,
    now: opts.now ?? (() => new Date()),
  };
  const organizations = new OrganizationService(deps);
  const apiKeys = new ApiKeyService(deps);
  const connections = new ConnectionService(deps, organizations);
  const connectConfig = { ...CONNECT_DEFAULTS, ...config.connect };
  const connectSessions = new ConnectSessionService(deps, organizations, {
    returnOrigins: connectConfig.returnOrigins,
    allowLoopback: connectConfig.allowLoopback,
    publicUrl: () => config.server.publicUrl ?? null,
  });
  // A provider flow's result is recognised wherever a list page is adopted (a list, the monitor, the page).
  connections.onAdopted(async (requestId, orgId, adapter, items, rows, fresh) => {
    try {
      return await connectSessions.recognise(requestId, orgId, adapter, items, rows, fresh);
    } catch (e) {
      opts.logger.warn({ err: e, provider: adapter.id }, 'recognising provider connect flows failed');
      return new Map();
    }
  });
  const webhookConfig: WebhookConfig = { ...WEBHOOK_DEFAULTS, ...config.webhooks };
  const urlGuard = new WebhookUrlGuard(webhookConfig);
  const webhooks = new WebhookService(deps, urlGuard, webhookConfig);
  const sender = new WebhookSender(
    urlGuard,
    webhookConfig.timeoutMs,
    `plugboard/${VERSION}`,
    webhookConfig.perEndpoint,
  );
  const dispatcher = new Dispatcher({
    storage,
    sealer: deps.sealer,
    sender,
    logger: opts.logger,
    metrics: deliveryMetrics(metrics, () => storage.countPendingDeliveries()),
    now: deps.now,
    settings: webhookConfig,
  });
  if (opts.dispatch !== false) dispatcher.start();
  const monitor = new ConnectionMonitor({
    storage,
    connections,
    providers: adapters,
    logger: opts.logger,
    now: deps.now,
    intervalMs: config.monitor?.intervalMs ?? DEFAULT_MONITOR_INTERVAL_MS,
  });
  if (opts.dispatch !== false) monitor.start();
  const adminDigest = digest(config.auth.adminKey.reveal());
  const adminLooksLikeApiKey = isWellFormedApiKey(config.auth.adminKey.reveal());
  const app = createApp({
    organizations,
    connections,
    events: new EventService(deps, organizations),
    apiKeys,
    webhooks,
    connectSessions,
    idempotency: new IdempotencyKeys(storage, deps.now),
    monitorState: async () => new Map((await storage.monitorState()).map((m) => [m.provider_id, m])),
    providers: [...adapters.values()].map((a) => {
      const policy = policies.get(a.id) as UpstreamPolicy;
      return {
        id: a.id,
        type: a.type,
        capabilities: a.capabilities,
        linkFormat: a.linkFormat.description,
        circuit: () => policy.circuit,
      };
    }),
    createConnectionBody: createBodyRules([...adapters.values()]),
    changeConnectionBody: changeBodySchema([...adapters.values()]),
    // The admin key (compared in constant time, no storage), else an API key. A key in the API
    // keys' format is an API key (its shape says so, not its secret part: nothing leaks by timing),
    // unless the admin key itself has that shape; the comparison's hash is then saved per request.
    authenticate: (key: string): Caller | null | Promise<Caller | null> =>
      (adminLooksLikeApiKey || !isWellFormedApiKey(key)) && timingSafeEqual(digest(key), adminDigest)
        ? ADMIN
        : apiKeys.authenticate(key),
    ready: () => storage.ping(),
    logger: opts.logger,
    accessLog: accessLogger(opts.logger),
    metrics,
  });
  // The hosted connect page (contract §10), beside the API.
  app.route(
    '/',
    connectPage({
      sessions: connectSessions,
      connections,
      locks: storage.locks,
      providers: adapters,
      frameAncestors: connectConfig.frameAncestors,
      publicUrl: config.server.publicUrl ?? null,
      logger: opts.logger,
    }),
  );
  // Creates left unsettled by a crash, a timeout or a caller who left: settled now and every few minutes.
  const settle = () =>
    connections
      .reconcileCreates()
      .catch((e: unknown) => opts.logger.warn({ err: e }, 'settling connection creates failed'));
  const firstSettle = setTimeout(() => void settle(), 0);
  const settling = setInterval(() => void settle(), RECONCILE_EVERY_MS);
  firstSettle.unref();
  settling.unref();
  return {
    app,
    storage,
    adapters,
    organizations,
    connections,
    metrics,
    dispatcher,
    monitor,
    close: async () => {
      clearTimeout(firstSettle);
      clearInterval(settling);
      // Deliveries in flight end (each within its timeout) and are recorded before storage closes.
      await monitor.stop();
      await dispatcher.stop();
      await sender.close();
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

/** A write another replica told of: `{ "wrote": <path prefix>, "provider": <entry id> }`. */
function parseWriteMessage(message: string): { provider: string; prefix: string } | null {
  try {
    const m = JSON.parse(message) as { wrote?: unknown; provider?: unknown };
    return typeof m.wrote === 'string' && typeof m.provider === 'string'
      ? { provider: m.provider, prefix: m.wrote }
      : null;
  } catch {
    return null;
  }
}
