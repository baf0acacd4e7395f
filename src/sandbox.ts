import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { configureProviders, type GatewayConfig } from './config.js';
import { SERVER_LIMIT_DEFAULTS } from './net.js';
import { ADMIN } from './core/caller.js';
import { Secret } from './core/secret.js';
import type { ProviderDefinition, SimulatorSetup } from './providers/definition.js';
import type { Gateway } from './gateway.js';
import { SANDBOX_MONITOR_INTERVAL_MS } from './monitor/settings.js';

/** How long the sandbox keeps a provider's answer to a read. */
export const SANDBOX_CACHE_TTL_MS = 2_000;

export const SANDBOX_ADMIN_KEY = 'sandbox-admin-key';
export const DEMO_ORG = 'demo';

export interface Sandbox {
  config: GatewayConfig;
  /** The admin key and demo organization a banner shows. */
  adminKey: string;
  demoOrganization: string;
  simulators: Array<{ type: string; setup: SimulatorSetup }>;
  /** Links organization `demo` to each simulated provider organization (after the gateway is up). */
  seed(gateway: Gateway): Promise<void>;
  close(): Promise<void>;
}

/**
 * The no-config start: every registered provider's simulator in-process on loopback (state kept in
 * `<dataDir>/simulators/`), SQLite at `<dataDir>/sandbox.db`, an encryption key generated once and
 * kept in `<dataDir>/sandbox.key`, admin key `sandbox-admin-key`. Restarting keeps everything.
 */
export async function startSandbox(opts: {
  dataDir: string;
  definitions: ReadonlyArray<ProviderDefinition>;
  env: NodeJS.ProcessEnv;
}): Promise<Sandbox> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const keyFile = join(dataDir, 'sandbox.key');
  if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  const key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');

  const simulators: Sandbox['simulators'] = [];
  try {
    for (const def of opts.definitions) {
      const setup = await def.startSimulator({
        host: '127.0.0.1',
        port: 0,
        stateFile: join(dataDir, 'simulators', `${def.type}.json`),
      });
      simulators.push({ type: def.type, setup });
    }
  } catch (e) {
    await Promise.all(simulators.map((s) => s.setup.close()));
    throw e;
  }
  // The sandbox reads through a short cache (off by default elsewhere): repeated reads stay local,
  // and a change made behind the gateway's back (at a simulator) shows within two seconds.
  const providers = configureProviders(
    simulators.map(({ type, setup }) => ({
      id: type,
      type,
      cache: { ttlMs: SANDBOX_CACHE_TTL_MS },
      ...setup.providerConfig,
    })),
    opts.definitions,
  );
  const port = opts.env['PORT'] !== undefined ? Number(opts.env['PORT']) : 8080;
  const config: GatewayConfig = {
    server: { host: opts.env['HOST'] || '127.0.0.1', port, limits: SERVER_LIMIT_DEFAULTS },
    database: { url: new Secret(`sqlite:${join(dataDir, 'sandbox.db')}`) },
    auth: { adminKey: new Secret(SANDBOX_ADMIN_KEY) },
    encryption: { key: new Secret(key) },
    logLevel: opts.env['LOG_LEVEL'] ?? 'info',
    providers,
    // Webhooks to a receiver on this machine (npm run webhook-receiver), and a monitor that notices
    // a change made at a simulator within seconds.
    webhooks: { allowHttp: true, allowPrivateNetworks: true },
    monitor: { intervalMs: SANDBOX_MONITOR_INTERVAL_MS },
    // Connect sessions may send the end user back to an app on this machine.
    connect: { allowLoopback: true },
  };
  return {
    config,
    adminKey: SANDBOX_ADMIN_KEY,
    demoOrganization: DEMO_ORG,
    simulators,
    async seed(gateway) {
      const links = Object.fromEntries(simulators.map(({ type, setup }) => [type, setup.demoExternalOrgId]));
      const ctx = { requestId: 'sandbox-seed', caller: ADMIN };
      const existing = await gateway.storage.getOrganization(DEMO_ORG);
      if (!existing) await gateway.organizations.create(ctx, { id: DEMO_ORG, name: 'Demo', links });
      else if (Object.entries(links).some(([p, id]) => existing.links[p] !== id))
        await gateway.organizations.patch(ctx, DEMO_ORG, { links });
    },
    close: async () => {
      await Promise.all(simulators.map((s) => s.setup.close()));
    },
  };
}
