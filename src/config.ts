import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Secret } from './core/secret.js';
import { SERVER_LIMIT_DEFAULTS, type ServerLimits } from './net.js';
import { POSTGRES_DEFAULTS, type PostgresSettings } from './storage/postgres-settings.js';
import type { WebhookConfig } from './events/settings.js';
import type { ProviderDefinition } from './providers/definition.js';

/**
 * Config file (contract §1): JSON, `${NAME}` in any string replaced by that environment variable,
 * then environment overrides (HOST, PORT, LOG_LEVEL, GATEWAY_ADMIN_KEY, GATEWAY_DATABASE_URL,
 * GATEWAY_ENCRYPTION_KEY, GATEWAY_ENCRYPTION_PREVIOUS_KEYS). Problems are reported one per key path,
 * never with a value.
 */

export type ProviderConfig = CommonProviderConfig & Record<string, unknown>;

export interface GatewayConfig {
  /**
   * Where to listen, and what the server takes from its clients (net.ts). `publicUrl`: the address
   * people reach the gateway at (connect session links); absent, the address a request came to.
   */
  server: { host: string; port: number; limits: ServerLimits; publicUrl?: string };
  /**
   * `url`: `sqlite:<path>` or `postgres://…` (a Secret: it may hold a password). `postgres`: the
   * pool, timeouts and lock lease of the PostgreSQL backend (defaults when absent).
   */
  database: { url: Secret<string>; postgres?: PostgresSettings };
  /** Secrets are `Secret` from the moment they are parsed: never printed, logged or serialised. */
  auth: { adminKey: Secret<string> };
  /**
   * `key` seals and opens; `previousKeys` only open (credentials sealed before a key rotation, until
   * `npm run rotate-key` has re-sealed them). Absent previous keys: none.
   */
  encryption: { key: Secret<Buffer> | null; previousKeys?: ReadonlyArray<Secret<Buffer>> };
  logLevel: string;
  providers: ProviderConfig[];
  /** Webhook delivery (`webhooks`); the defaults where absent. */
  webhooks?: Partial<WebhookConfig>;
  /** The connection monitor: `intervalMs` between passes, 0 for none (default 300000). */
  monitor?: { intervalMs?: number };
  /** The hosted connect page (contract §10); the defaults where absent. */
  connect?: Partial<ConnectConfig>;
}

/** Where a connect session's `return_url` may point, and who may frame the page. */
export interface ConnectConfig {
  /** Origins (`https://app.example.com`) a `return_url` may be on. */
  returnOrigins: string[];
  /** Any loopback origin too (the sandbox's default). */
  allowLoopback: boolean;
  /** CSP `frame-ancestors` sources of the page (default `'none'`: it is never framed). */
  frameAncestors: string[];
}

export const CONNECT_DEFAULTS: ConnectConfig = {
  returnOrigins: [],
  allowLoopback: false,
  frameAncestors: ["'none'"],
};

/** An origin as `new URL(x).origin` writes it: scheme, host, port; nothing else. */
const Origin = z
  .string()
  .refine(
    (v) => URL.canParse(v) && new URL(v).origin === v,
    'must be an origin such as https://app.example.com',
  );

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  logLevel: 'info',
  databaseUrl: 'sqlite:./data/plugboard.db',
} as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const positiveInt = z.number().int().positive();
const CommonProvider = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must match ^[a-z0-9][a-z0-9-]{0,31}$'),
  type: z.string(),
  baseUrl: z
    .url({ protocol: /^https?$/ })
    .refine((u) => !u.endsWith('/'), 'must not end with a slash')
    .optional(),
  /** Per attempt. */
  timeoutMs: positiveInt.optional(),
  /** For a whole call, retries included. */
  deadlineMs: positiveInt.optional(),
  retry: z
    .strictObject({
      attempts: positiveInt.max(10).optional(),
      baseDelayMs: positiveInt.optional(),
      maxDelayMs: positiveInt.optional(),
    })
    .optional(),
  rateLimit: z
    .strictObject({ requestsPerSecond: z.number().positive().optional(), burst: positiveInt.optional() })
    .optional(),
  circuitBreaker: z
    .strictObject({
      enabled: z.boolean().optional(),
      failureThreshold: positiveInt.optional(),
      failureRate: z.number().gt(0).max(1).optional(),
      window: positiveInt.optional(),
      openMs: positiveInt.optional(),
    })
    .optional(),
  cache: z.strictObject({ ttlMs: z.number().int().min(0).optional() }).optional(),
  /** Connections per upstream origin. */
  connections: positiveInt.max(1024).optional(),
});
const COMMON_KEYS = new Set(Object.keys(CommonProvider.shape));

/** Options every provider entry of the config file takes (contract §1), whatever its type. */
export type CommonProviderConfig = z.infer<typeof CommonProvider>;

/** Milliseconds a server limit may be: a day at most (a typo of a few zeros is caught). */
const limitMs = z.number().int().min(1).max(86_400_000);
const FileSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).optional(),
      port: z.number().int().min(0).max(65535).optional(),
      headersTimeoutMs: limitMs.optional(),
      requestTimeoutMs: limitMs.optional(),
      keepAliveTimeoutMs: limitMs.optional(),
      maxConnections: z.number().int().min(1).max(1_000_000).optional(),
      publicUrl: z
        .string()
        .refine(
          (v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol) && !v.endsWith('/'),
          'must be an http(s) URL without a trailing slash',
        )
        .optional(),
    })
    .optional(),
  database: z
    .strictObject({
      url: z.string().min(1).optional(),
      poolSize: z.number().int().min(1).max(1_000).optional(),
      connectTimeoutMs: limitMs.optional(),
      statementTimeoutMs: limitMs.optional(),
      lockLeaseMs: z.number().int().min(100).max(86_400_000).optional(),
      lockWaitMs: limitMs.optional(),
    })
    .optional(),
  auth: z
    .strictObject({ adminKey: z.string().min(16, 'must be at least 16 characters').optional() })
    .optional(),
  encryption: z
    .strictObject({ key: z.string().optional(), previousKeys: z.array(z.string()).optional() })
    .optional(),
  log: z.strictObject({ level: z.enum(LOG_LEVELS).optional() }).optional(),
  webhooks: z
    .strictObject({
      allowHttp: z.boolean().optional(),
      allowPrivateNetworks: z.boolean().optional(),
      timeoutMs: limitMs.optional(),
      retryScheduleMs: z
        .array(
          z
            .number()
            .int()
            .min(0)
            .max(7 * 86_400_000),
        )
        .max(50)
        .optional(),
      disableAfterMs: z.number().int().min(1).optional(),
      concurrency: z.number().int().min(1).max(10_000).optional(),
      perEndpoint: z.number().int().min(1).max(1_000).optional(),
      pollMs: z.number().int().min(5).max(60_000).optional(),
      rotationOverlapMs: z.number().int().min(0).optional(),
    })
    .optional(),
  monitor: z.strictObject({ intervalMs: z.number().int().min(0).optional() }).optional(),
  connect: z
    .strictObject({
      returnOrigins: z.array(Origin).max(100).optional(),
      allowLoopback: z.boolean().optional(),
      frameAncestors: z
        .array(z.string().regex(/^[^\s;,]+$/, 'one CSP source, e.g. https://app.example.com'))
        .min(1)
        .max(20)
        .optional(),
    })
    .optional(),
  providers: z.array(z.record(z.string(), z.unknown())).default([]),
});

/** `providers[1].domain` from a zod path. */
export function keyPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (out, k) => (typeof k === 'number' ? `${out}[${k}]` : out ? `${out}.${String(k)}` : String(k)),
    '',
  );
}

function interpolate(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path: PropertyKey[],
  problems: string[],
): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
      const v = env[name];
      if (v === undefined) {
        problems.push(`${keyPath(path)}: environment variable ${name} is not set`);
        return '';
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, [...path, i], problems));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolate(v, env, [...path, k], problems)]),
    );
  }
  return value;
}

function issuesToProblems(error: z.ZodError, prefix: PropertyKey[]): string[] {
  // zod messages name expectations, not received values, so no secret can appear here.
  return error.issues.map((i) => {
    const keys = i.code === 'unrecognized_keys' ? `: unknown key(s) ${i.keys.join(', ')}` : '';
    return `${keyPath([...prefix, ...i.path]) || '(root)'}: ${i.code === 'unrecognized_keys' ? 'not allowed' : i.message}${keys}`;
  });
}

export function decodeEncryptionKey(raw: string): Buffer | null {
  const buf = Buffer.from(raw, 'base64');
  return buf.length === 32 && buf.toString('base64').replace(/=+$/, '') === raw.trim().replace(/=+$/, '')
    ? buf
    : null;
}

/**
 * Keys that still open credentials sealed before a rotation, never seal: `GATEWAY_ENCRYPTION_PREVIOUS_KEYS`
 * (comma-separated) beats `encryption.previousKeys`. Each must be a key like `encryption.key`, not the
 * current key and not given twice (either would hide a mistake made while rotating). Problems name
 * the position, never a value. `current`: the decoded current key, null when it is invalid
 * (already reported), undefined when none is given.
 */
function parsePreviousKeys(
  env: NodeJS.ProcessEnv,
  fromFile: string[] | undefined,
  current: Buffer | null | undefined,
  problems: string[],
): Buffer[] {
  const fromEnv = env['GATEWAY_ENCRYPTION_PREVIOUS_KEYS'];
  const [name, raw] = fromEnv
    ? [
        'GATEWAY_ENCRYPTION_PREVIOUS_KEYS',
        fromEnv
          .split(',')
          .map((k) => k.trim())
          .filter((k) => k !== ''),
      ]
    : ['encryption.previousKeys', fromFile ?? []];
  const keys: Buffer[] = [];
  raw.forEach((text, i) => {
    const k = decodeEncryptionKey(text);
    if (!k) problems.push(`${name}[${i}]: must be 32 bytes, base64-encoded`);
    else if (current?.equals(k))
      problems.push(`${name}[${i}]: is the current encryption.key; a previous key must be another one`);
    else if (keys.some((earlier) => earlier.equals(k))) problems.push(`${name}[${i}]: given twice`);
    else keys.push(k);
  });
  if (raw.length > 0 && current === undefined)
    problems.push(
      `${name}: needs encryption.key (previous keys only open stored credentials; the current key seals them)`,
    );
  return keys;
}

export interface LoadOptions {
  /** Raw JSON text of the config file (already read), or undefined for env-only config. */
  text?: string | undefined;
  env: NodeJS.ProcessEnv;
  definitions: ReadonlyArray<ProviderDefinition>;
}

export function parseConfig({ text, env, definitions }: LoadOptions): GatewayConfig {
  const problems: string[] = [];
  let raw: unknown = {};
  if (text !== undefined) {
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new ConfigError([
        `(file): not valid JSON (${e instanceof SyntaxError ? e.message.replace(/".*"/, '…') : 'parse error'})`,
      ]);
    }
  }
  raw = interpolate(raw, env, [], problems);
  const parsed = FileSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError([...problems, ...issuesToProblems(parsed.error, [])]);
  const file = parsed.data;

  const { providers, problems: providerProblems } = parseProviderEntries(file.providers, definitions);
  problems.push(...providerProblems);

  const port = env['PORT'] !== undefined ? Number(env['PORT']) : (file.server?.port ?? DEFAULTS.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push('PORT: must be an integer 0-65535');
  const logLevel = env['LOG_LEVEL'] ?? file.log?.level ?? DEFAULTS.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel))
    problems.push(`LOG_LEVEL: must be one of ${LOG_LEVELS.join(', ')}`);
  const adminKey = env['GATEWAY_ADMIN_KEY'] || file.auth?.adminKey;
  if (!adminKey) problems.push('auth.adminKey: required (or set GATEWAY_ADMIN_KEY)');
  else if (adminKey.length < 16) problems.push('GATEWAY_ADMIN_KEY: must be at least 16 characters');
  const rawKey = env['GATEWAY_ENCRYPTION_KEY'] || file.encryption?.key || '';
  const key = rawKey ? decodeEncryptionKey(rawKey) : null;
  if (rawKey && !key) problems.push('encryption.key: must be 32 bytes, base64-encoded');
  const previousKeys = parsePreviousKeys(
    env,
    file.encryption?.previousKeys,
    rawKey ? key : undefined,
    problems,
  );
  const databaseUrl = env['GATEWAY_DATABASE_URL'] || file.database?.url || DEFAULTS.databaseUrl;
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl))
    problems.push('database.url: must start with sqlite: or postgres://');

  const limits: ServerLimits = {
    headersTimeoutMs: file.server?.headersTimeoutMs ?? SERVER_LIMIT_DEFAULTS.headersTimeoutMs,
    requestTimeoutMs: file.server?.requestTimeoutMs ?? SERVER_LIMIT_DEFAULTS.requestTimeoutMs,
    keepAliveTimeoutMs: file.server?.keepAliveTimeoutMs ?? SERVER_LIMIT_DEFAULTS.keepAliveTimeoutMs,
    maxConnections: file.server?.maxConnections ?? SERVER_LIMIT_DEFAULTS.maxConnections,
  };
  // Node refuses a headers timeout longer than the whole request's.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs)
    problems.push('server.headersTimeoutMs: must not be more than server.requestTimeoutMs');

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    server: {
      host: env['HOST'] || file.server?.host || DEFAULTS.host,
      port,
      limits,
      ...(file.server?.publicUrl !== undefined ? { publicUrl: file.server.publicUrl } : {}),
    },
    database: {
      url: new Secret(databaseUrl),
      postgres: {
        poolSize: file.database?.poolSize ?? POSTGRES_DEFAULTS.poolSize,
        connectTimeoutMs: file.database?.connectTimeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs,
        statementTimeoutMs: file.database?.statementTimeoutMs ?? POSTGRES_DEFAULTS.statementTimeoutMs,
        lockLeaseMs: file.database?.lockLeaseMs ?? POSTGRES_DEFAULTS.lockLeaseMs,
        lockWaitMs: file.database?.lockWaitMs ?? POSTGRES_DEFAULTS.lockWaitMs,
      },
    },
    auth: { adminKey: new Secret(adminKey as string) },
    encryption: { key: key ? new Secret(key) : null, previousKeys: previousKeys.map((k) => new Secret(k)) },
    logLevel,
    providers,
    ...(file.webhooks ? { webhooks: stripUndefined(file.webhooks) as Partial<WebhookConfig> } : {}),
    ...(file.monitor?.intervalMs !== undefined ? { monitor: { intervalMs: file.monitor.intervalMs } } : {}),
    ...(file.connect ? { connect: stripUndefined(file.connect) as Partial<ConnectConfig> } : {}),
  };
}

/**
 * Provider entries (`providers[i]`) checked against the common keys and their type's own schema.
 * Problems name the key path, never a value; secret values come out as `Secret`.
 */
export function parseProviderEntries(
  entries: ReadonlyArray<Record<string, unknown>>,
  definitions: ReadonlyArray<ProviderDefinition>,
): { providers: ProviderConfig[]; problems: string[] } {
  const byType = new Map(definitions.map((d) => [d.type, d]));
  const providers: ProviderConfig[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    const common = CommonProvider.safeParse(
      Object.fromEntries(Object.entries(entry).filter(([k]) => COMMON_KEYS.has(k))),
    );
    if (!common.success) {
      problems.push(...issuesToProblems(common.error, ['providers', i]));
      return;
    }
    const def = byType.get(common.data.type);
    if (!def) {
      problems.push(`providers[${i}].type: must be one of ${[...byType.keys()].join(', ')}`);
      return;
    }
    if (seen.has(common.data.id)) problems.push(`providers[${i}].id: duplicate id "${common.data.id}"`);
    seen.add(common.data.id);
    const specific = def.configSchema.safeParse(
      Object.fromEntries(Object.entries(entry).filter(([k]) => !COMMON_KEYS.has(k))),
    );
    if (!specific.success) {
      problems.push(...issuesToProblems(specific.error, ['providers', i]));
      return;
    }
    providers.push({ ...stripUndefined(common.data), ...specific.data } as ProviderConfig);
  });
  return { providers, problems };
}

/** `parseProviderEntries`, throwing a ConfigError when an entry is wrong (the sandbox, tests). */
export function configureProviders(
  entries: ReadonlyArray<Record<string, unknown>>,
  definitions: ReadonlyArray<ProviderDefinition>,
): ProviderConfig[] {
  const { providers, problems } = parseProviderEntries(entries, definitions);
  if (problems.length > 0) throw new ConfigError(problems);
  return providers;
}

export function loadConfigFile(
  path: string,
  env: NodeJS.ProcessEnv,
  definitions: ReadonlyArray<ProviderDefinition>,
): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError([
      `GATEWAY_CONFIG: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
  return parseConfig({ text, env, definitions });
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
