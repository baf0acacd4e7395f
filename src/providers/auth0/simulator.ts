import { randomBytes } from 'node:crypto';
import { fingerprint, startSimulator, type RunningSimulator, type SimContext } from '../../simulator/kit.js';
import {
  ORGANIZATION_ACCESS_LEVELS,
  type Auth0Organization,
  type Auth0OrganizationAccessLevel,
  type Auth0TenantConnection,
} from './api-types.js';
import {
  DEFAULT_DOMAIN, DEMO_ORGANIZATION, DEMO_ORGANIZATION_CONNECTIONS, SANDBOX_CLIENT, SPARE_TENANT_CONNECTIONS, TENANT_CONNECTIONS,
} from './fixtures.js';

/**
 * An in-memory Auth0 tenant, faithful enough that the official `auth0` SDK (7.1.0) runs against it
 * (test/providers/auth0/sdk-fidelity.test.ts): the client-credentials token endpoint, the
 * Management API's tenant connections, organizations and organization connections (both the EA
 * `connections` and the GA `enabled_connections` family, over the same records),
 * Auth0's error bodies, list envelopes, status codes and `x-ratelimit-*` headers. docs/providers/auth0.md §2–§8.
 */

export interface Auth0SimClient {
  clientId: string;
  clientSecret: string;
  /** Scopes granted on the Management API; all that the simulator knows when absent. */
  scopes?: string[];
}

export interface Auth0RateLimit {
  /** Requests allowed per window (per tenant, every Management API route). */
  limit: number;
  /** Fixed window length in seconds, aligned to the epoch; `x-ratelimit-reset` is its end. */
  windowSec: number;
}

export interface Auth0SimulatorOptions {
  port?: number | undefined;
  host?: string | undefined;
  stateFile?: string | undefined;
  domain?: string | undefined;
  clients?: Auth0SimClient[] | undefined;
  /** Lifetime of issued tokens; Auth0's default is 86,400 s. */
  tokenTtlSec?: number | undefined;
  rateLimit?: Auth0RateLimit | undefined;
  /** Also create the demo organization with two attached connections, and spare tenant connections (fresh state only). */
  seedDemo?: boolean | undefined;
  /** Clock (ms since the epoch) for token expiry and rate-limit windows; tests inject one. */
  now?: (() => number) | undefined;
}

/**
 * What an organization connection stores, whichever family wrote it; `connection {name, strategy}`
 * is joined in on the way out. A field with no documented default stays absent until it is set.
 */
export interface StoredOrganizationConnection {
  connection_id: string;
  organization_connection_name?: string;
  assign_membership_on_login?: boolean;
  show_as_button: boolean;
  is_signup_enabled: boolean;
  organization_access_level?: Auth0OrganizationAccessLevel;
  is_enabled?: boolean;
}

export interface IssuedToken {
  client_id: string;
  scope: string;
  /** ms since the epoch */
  expires_at: number;
}

/**
 * The simulator's whole state: plain JSON, persisted by the kit when a state file is given, so it
 * holds no secret: issued tokens are kept by `fingerprint()` only (version 2; a version-1 file kept
 * them in plaintext and its tokens are dropped on restore, so clients simply fetch a new one).
 */
export interface Auth0SimState {
  version: 2;
  domain: string;
  connections: Auth0TenantConnection[];
  organizations: Auth0Organization[];
  /** organization id → its connections, in attach order. */
  organizationConnections: Record<string, StoredOrganizationConnection[]>;
  /** `fingerprint(access_token)` → what the token grants. */
  tokens: Record<string, IssuedToken>;
}

export interface Auth0Simulator extends RunningSimulator<Auth0SimState> {
  domain: string;
  /** `https://{domain}/api/v2/`: the only audience the token endpoint accepts. */
  audience: string;
  clients: readonly Auth0SimClient[];
  /** Makes every issued token expired now (also `POST /__sim/expire-tokens`). */
  expireTokens(): void;
  /** Replaces the Management API budget and restarts the window (also `PUT /__sim/rate-limit`). */
  setRateLimit(rateLimit: Auth0RateLimit): void;
  /** Test helpers that write the state directly, as the Auth0 dashboard would. */
  addTenantConnection(c: { name: string; strategy: string; id?: string }): Auth0TenantConnection;
  addOrganization(o: { name: string; id?: string; display_name?: string }): Auth0Organization;
}

export const ALL_SCOPES = [
  'read:connections', 'create:connections',
  'read:organizations', 'create:organizations', 'update:organizations', 'delete:organizations',
  'read:organization_connections', 'create:organization_connections', 'update:organization_connections', 'delete:organization_connections',
] as const;

const DEFAULT_RATE_LIMIT: Auth0RateLimit = { limit: 1000, windowSec: 60 };
const DEFAULT_TOKEN_TTL_SEC = 86_400;

const REASONS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 429: 'Too Many Requests',
};

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 429;

/** A path parameter (the routes' own, so always present). */
function param(c: SimContext, name: string): string {
  return c.req.param(name) ?? '';
}

function randomId(prefix: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return prefix + Array.from(randomBytes(16), (b) => alphabet[b % alphabet.length]).join('');
}

/** Auth0's Management API error body (docs/providers/auth0.md §6). */
function apiError(c: SimContext, status: ErrorStatus, message: string, errorCode?: string): Response {
  return c.json({ statusCode: status, error: REASONS[status], message, ...(errorCode ? { errorCode } : {}) }, status);
}

/** The token endpoint's OAuth error body (docs/providers/auth0.md §2). */
function oauthError(c: SimContext, status: 400 | 401 | 403, error: string, description: string): Response {
  return c.json({ error, error_description: description }, status, { 'cache-control': 'no-store' });
}

// ---------------------------------------------------------------------------------------------
// Payload validation in Auth0's words ("Payload validation error: '…' on property x.")

type FieldSpec =
  | { type: 'string'; min?: number; max?: number; pattern?: RegExp; nullable?: boolean }
  | { type: 'boolean'; nullable?: boolean }
  | { type: 'enum'; values: readonly string[]; nullable?: boolean }
  | { type: 'object' }
  | { type: 'array' };

interface BodySpec {
  required: readonly string[];
  fields: Record<string, FieldSpec>;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** The first problem with `body` against `spec`, as Auth0 words it, or null. */
function validateBody(body: unknown, spec: BodySpec, where = 'Payload'): string | null {
  const fail = (text: string, prop?: string): string => `${where} validation error: '${text}'${prop ? ` on property ${prop}` : ''}.`;
  if (jsonType(body) !== 'object') return fail(`Expected type object but found type ${jsonType(body)}`);
  const obj = body as Record<string, unknown>;
  const extra = Object.keys(obj).filter((k) => !(k in spec.fields));
  if (extra.length > 0) return fail(`Additional properties not allowed: ${extra.join(',')}`);
  for (const key of spec.required) if (!(key in obj)) return fail(`Missing required property: ${key}`);
  for (const [key, f] of Object.entries(spec.fields)) {
    if (!(key in obj)) continue;
    const v = obj[key];
    if (v === null && 'nullable' in f && f.nullable) continue;
    if (f.type === 'enum') {
      if (typeof v !== 'string' || !f.values.includes(v)) return fail(`No enum match for: ${JSON.stringify(v)}`, key);
      continue;
    }
    if (jsonType(v) !== f.type) return fail(`Expected type ${f.type} but found type ${jsonType(v)}`, key);
    if (f.type === 'string') {
      const s = v as string;
      if (f.min !== undefined && s.length < f.min) return fail(`String is too short (${s.length} chars), minimum ${f.min}`, key);
      if (f.max !== undefined && s.length > f.max) return fail(`String is too long (${s.length} chars), maximum ${f.max}`, key);
      if (f.pattern && !f.pattern.test(s)) return fail(`String does not match pattern: ${f.pattern.source}`, key);
    }
  }
  return null;
}

const NO_NUL = /^[^\0]*$/;

/** The fields both families' bodies have: three booleans, never null. */
const SHARED_FIELDS = {
  assign_membership_on_login: { type: 'boolean' },
  show_as_button: { type: 'boolean' },
  is_signup_enabled: { type: 'boolean' },
} as const satisfies Record<string, FieldSpec>;
const CONNECTION_ID: FieldSpec = { type: 'string', min: 1, max: 50 };

/** EA `CreateOrganizationAllConnectionRequestContent`. */
const CREATE_ORG_CONNECTION: BodySpec = {
  required: ['connection_id'],
  fields: {
    connection_id: CONNECTION_ID,
    organization_connection_name: { type: 'string', min: 1, max: 50, pattern: NO_NUL },
    ...SHARED_FIELDS,
    organization_access_level: { type: 'enum', values: ORGANIZATION_ACCESS_LEVELS },
    is_enabled: { type: 'boolean' },
  },
};

/** EA `UpdateOrganizationAllConnectionRequestContent`: name, access level and is_enabled take null. */
const UPDATE_ORG_CONNECTION: BodySpec = {
  required: [],
  fields: {
    organization_connection_name: { type: 'string', min: 1, max: 50, pattern: NO_NUL, nullable: true },
    ...SHARED_FIELDS,
    organization_access_level: { type: 'enum', values: ORGANIZATION_ACCESS_LEVELS, nullable: true },
    is_enabled: { type: 'boolean', nullable: true },
  },
};

/** GA `AddOrganizationConnectionRequestContent`; also the items of `POST /organizations` `enabled_connections`. */
const ADD_ENABLED_CONNECTION: BodySpec = { required: ['connection_id'], fields: { connection_id: CONNECTION_ID, ...SHARED_FIELDS } };

/** GA `UpdateOrganizationConnectionRequestContent`: no nulls. */
const UPDATE_ENABLED_CONNECTION: BodySpec = { required: [], fields: { ...SHARED_FIELDS } };

/**
 * One family of organization-connection routes. Both families serve the same stored records; each
 * shows only the fields its create body knows (its response schema is `additionalProperties: false`).
 */
interface OrgConnectionFamily {
  /** Path segment and list envelope key. */
  key: 'connections' | 'enabled_connections';
  create: BodySpec;
  update: BodySpec;
  /** EA lists take an `is_enabled` filter; GA lists do not. */
  isEnabledFilter: boolean;
}

const FAMILIES: readonly OrgConnectionFamily[] = [
  { key: 'connections', create: CREATE_ORG_CONNECTION, update: UPDATE_ORG_CONNECTION, isEnabledFilter: true },
  { key: 'enabled_connections', create: ADD_ENABLED_CONNECTION, update: UPDATE_ENABLED_CONNECTION, isEnabledFilter: false },
];

const ORG_NAME = /^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$/;

const CREATE_ORGANIZATION: BodySpec = {
  required: ['name'],
  fields: {
    name: { type: 'string', min: 1, max: 50, pattern: ORG_NAME },
    display_name: { type: 'string', min: 1, max: 255 },
    metadata: { type: 'object' },
    branding: { type: 'object' },
    enabled_connections: { type: 'array' },
  },
};

const UPDATE_ORGANIZATION: BodySpec = {
  required: [],
  fields: {
    name: { type: 'string', min: 1, max: 50, pattern: ORG_NAME },
    display_name: { type: 'string', min: 1, max: 255 },
    metadata: { type: 'object' },
    branding: { type: 'object' },
  },
};

const CREATE_CONNECTION: BodySpec = {
  required: ['name', 'strategy'],
  fields: {
    name: { type: 'string', min: 1, max: 128, pattern: /^[a-zA-Z0-9](?:-[a-zA-Z0-9]|[a-zA-Z0-9])*$/ },
    strategy: { type: 'string', min: 1 },
    display_name: { type: 'string', min: 1, max: 128 },
    is_domain_connection: { type: 'boolean' },
    realms: { type: 'array' },
    enabled_clients: { type: 'array' },
    metadata: { type: 'object' },
    options: { type: 'object' },
  },
};

/** Fields of a form-encoded body that are booleans, so `true`/`false` strings become booleans. */
const BOOLEAN_FIELDS = new Set(['assign_membership_on_login', 'show_as_button', 'is_signup_enabled', 'is_enabled', 'is_domain_connection']);

type BodyResult = { ok: true; body: unknown } | { ok: false; response: Response };

/** Request bodies are JSON or form-encoded (docs/providers/auth0.md §3). */
async function readBody(c: SimContext): Promise<BodyResult> {
  const type = c.req.header('content-type') ?? '';
  const text = await c.req.text();
  if (type.includes('application/x-www-form-urlencoded')) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(text)) out[k] = BOOLEAN_FIELDS.has(k) && (v === 'true' || v === 'false') ? v === 'true' : v;
    return { ok: true, body: out };
  }
  if (text.trim() === '') return { ok: true, body: {} };
  try {
    return { ok: true, body: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, response: apiError(c, 400, 'Invalid request payload JSON format') };
  }
}

type ValidBody = { ok: true; body: Record<string, unknown> } | { ok: false; response: Response };

/** The request body, read (§3) and checked against `spec`; else Auth0's 400 `invalid_body`. */
async function readValidBody(c: SimContext, spec: BodySpec): Promise<ValidBody> {
  const read = await readBody(c);
  if (!read.ok) return read;
  const problem = validateBody(read.body, spec);
  return problem ? { ok: false, response: apiError(c, 400, problem, 'invalid_body') } : { ok: true, body: read.body as Record<string, unknown> };
}

// ---------------------------------------------------------------------------------------------
// Query parameters (page/per_page/include_totals, from/take)

type QueryResult<T> = { ok: true; value: T } | { ok: false; response: Response };

function queryError(c: SimContext, text: string, prop: string): { ok: false; response: Response } {
  return { ok: false, response: apiError(c, 400, `Query validation error: '${text}' on property ${prop}.`, 'invalid_query_string') };
}

function intParam(c: SimContext, name: string, dflt: number, min: number, max: number): QueryResult<number> {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return { ok: true, value: dflt };
  if (!/^-?\d+$/.test(raw)) return queryError(c, `Expected type integer but found type string`, name);
  const n = Number(raw);
  if (n < min) return queryError(c, `Value ${n} is less than minimum ${min}`, name);
  if (n > max) return queryError(c, `Value ${n} is greater than maximum ${max}`, name);
  return { ok: true, value: n };
}

function boolParam(c: SimContext, name: string): QueryResult<boolean | undefined> {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return { ok: true, value: undefined };
  if (raw !== 'true' && raw !== 'false') return queryError(c, `Expected type boolean but found type string`, name);
  return { ok: true, value: raw === 'true' };
}

interface OffsetQuery { page: number; perPage: number; includeTotals: boolean }

function offsetQuery(c: SimContext): QueryResult<OffsetQuery> {
  const page = intParam(c, 'page', 0, 0, 1_000_000);
  if (!page.ok) return page;
  const perPage = intParam(c, 'per_page', 50, 1, 100);
  if (!perPage.ok) return perPage;
  const totals = boolParam(c, 'include_totals');
  if (!totals.ok) return totals;
  return { ok: true, value: { page: page.value, perPage: perPage.value, includeTotals: totals.value ?? false } };
}

/** Offset page of `all` in Auth0's envelope: a bare array, or `{start, limit, total, <key>}` with totals. */
function offsetPage(c: SimContext, key: string, all: unknown[], q: OffsetQuery): Response {
  const start = q.page * q.perPage;
  const items = all.slice(start, start + q.perPage);
  return c.json(q.includeTotals ? { start, limit: q.perPage, total: all.length, [key]: items } : items);
}

/** Checkpoint page (`from`/`take`, used by other list endpoints; docs/providers/auth0.md §5): `{<key>, next?}`; `next` is opaque. */
function checkpointPage(c: SimContext, key: string, all: unknown[]): Response {
  const take = intParam(c, 'take', 50, 1, 100);
  if (!take.ok) return take.response;
  const from = c.req.query('from');
  let start = 0;
  if (from !== undefined && from !== '') {
    const decoded = Number(Buffer.from(from, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0) return apiError(c, 400, `Query validation error: 'Invalid checkpoint' on property from.`, 'invalid_query_string');
    start = decoded;
  }
  const items = all.slice(start, start + take.value);
  const end = start + items.length;
  return c.json({ [key]: items, ...(end < all.length ? { next: Buffer.from(String(end)).toString('base64url') } : {}) });
}

function isCheckpoint(c: SimContext): boolean {
  return c.req.query('take') !== undefined || c.req.query('from') !== undefined;
}

// ---------------------------------------------------------------------------------------------

function freshState(domain: string, seedDemo: boolean): Auth0SimState {
  const state: Auth0SimState = {
    version: 2,
    domain,
    connections: TENANT_CONNECTIONS.map((c) => structuredClone(c)),
    organizations: [],
    organizationConnections: {},
    tokens: {},
  };
  if (seedDemo) {
    state.connections.push(...SPARE_TENANT_CONNECTIONS.map((c) => structuredClone(c)));
    state.organizations.push(structuredClone(DEMO_ORGANIZATION));
    state.organizationConnections[DEMO_ORGANIZATION.id] = DEMO_ORGANIZATION_CONNECTIONS.map((b) => attach({ ...b }));
  }
  return state;
}

/** A restored state file in today's shape; a version-1 file's plaintext tokens are forgotten, not kept. */
function upgradeState(restored: Omit<Auth0SimState, 'version'> & { version: number }): Auth0SimState {
  return restored.version === 2 ? { ...restored, version: 2 } : { ...restored, version: 2, tokens: {} };
}

/**
 * A stored organization connection from a create body that passed its family's validation. Only
 * the documented defaults are filled in (`show_as_button` true, `is_signup_enabled` false); the
 * fields whose default Auth0 does not document (`assign_membership_on_login`, `is_enabled`) stay
 * absent (docs/providers/auth0.md §4.1).
 */
function attach(body: Record<string, unknown>): StoredOrganizationConnection {
  return { show_as_button: true, is_signup_enabled: false, ...body } as StoredOrganizationConnection;
}

/**
 * Applies a PATCH body that passed its family's validation: a value sets the field, `null` (where
 * the EA schema allows it) removes it, so the field reads as never set.
 */
function applyUpdate(oc: StoredOrganizationConnection, body: Record<string, unknown>): void {
  const record = oc as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(body)) {
    if (value === null) delete record[key];
    else record[key] = value;
  }
}

export async function startAuth0Simulator(opts: Auth0SimulatorOptions = {}): Promise<Auth0Simulator> {
  const now = opts.now ?? Date.now;
  const clients: readonly Auth0SimClient[] = opts.clients ?? [SANDBOX_CLIENT];
  const tokenTtlSec = opts.tokenTtlSec ?? DEFAULT_TOKEN_TTL_SEC;
  let rateLimit = opts.rateLimit ?? DEFAULT_RATE_LIMIT;
  let windowStart = Number.NaN;
  let used = 0;
  let domain = opts.domain ?? DEFAULT_DOMAIN;

  const running = await startSimulator<Auth0SimState>((app, _kit, restored) => {
    const state = restored ? upgradeState(restored) : freshState(domain, opts.seedDemo ?? false);
    if (opts.domain === undefined) domain = state.domain;
    state.domain = domain;
    const audience = `https://${domain}/api/v2/`;

    // -- lookups ------------------------------------------------------------------------------
    const findOrg = (id: string): Auth0Organization | undefined => state.organizations.find((o) => o.id === id);
    const findConnection = (id: string): Auth0TenantConnection | undefined => state.connections.find((c) => c.id === id);
    const orgConnections = (orgId: string): StoredOrganizationConnection[] => (state.organizationConnections[orgId] ??= []);
    /** A stored record as `family` shows it: the fields its create body knows, plus `connection`. */
    const view = (family: OrgConnectionFamily, oc: StoredOrganizationConnection): Record<string, unknown> => {
      const conn = findConnection(oc.connection_id);
      const shown = Object.entries(oc).filter(([k]) => k in family.create.fields);
      return { ...Object.fromEntries(shown), connection: { name: conn?.name, strategy: conn?.strategy } };
    };
    const noOrg = (c: SimContext): Response => apiError(c, 404, 'No organization found by that id or name', 'inexistent_organization');
    const badId = (c: SimContext, id: string, prop: string): Response | null => (id.length > 50
      ? apiError(c, 400, `Path validation error: 'String is too long (${id.length} chars), maximum 50' on property ${prop}.`, 'invalid_uri')
      : null);

    // -- token endpoint -----------------------------------------------------------------------
    app.post('/oauth/token', async (c) => {
      const type = c.req.header('content-type') ?? '';
      const text = await c.req.text();
      let params: Record<string, string> = {};
      if (type.includes('application/json')) {
        try {
          const parsed = JSON.parse(text) as unknown;
          if (jsonType(parsed) !== 'object') return oauthError(c, 400, 'invalid_request', 'Invalid request body');
          params = Object.fromEntries(Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : String(v)]));
        } catch {
          return oauthError(c, 400, 'invalid_request', 'Invalid request body');
        }
      } else {
        params = Object.fromEntries(new URLSearchParams(text));
      }
      // client_secret_basic is accepted as well as client_secret_post.
      const basic = /^Basic\s+(.+)$/i.exec(c.req.header('authorization') ?? '');
      if (basic?.[1]) {
        const [id, ...rest] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
        params['client_id'] ??= decodeURIComponent(id ?? '');
        params['client_secret'] ??= decodeURIComponent(rest.join(':'));
      }
      const grant = params['grant_type'];
      if (!grant) return oauthError(c, 400, 'invalid_request', 'Missing required parameter: grant_type');
      if (grant !== 'client_credentials') return oauthError(c, 400, 'unsupported_grant_type', `Unsupported grant type: ${grant}`);
      const client = clients.find((k) => k.clientId === params['client_id']);
      if (!client || params['client_secret'] !== client.clientSecret) return oauthError(c, 401, 'access_denied', 'Unauthorized');
      const aud = params['audience'];
      if (!aud) return oauthError(c, 403, 'access_denied', 'No audience parameter was provided, and no default audience has been configured');
      if (aud !== audience) return oauthError(c, 403, 'access_denied', `Service not found: ${aud}`);
      const issuedAt = now();
      for (const [t, info] of Object.entries(state.tokens)) if (info.expires_at <= issuedAt) delete state.tokens[t];
      const accessToken = randomBytes(32).toString('base64url');
      const scope = (client.scopes ?? [...ALL_SCOPES]).join(' ');
      state.tokens[fingerprint(accessToken)] = { client_id: client.clientId, scope, expires_at: issuedAt + tokenTtlSec * 1000 };
      return c.json({ access_token: accessToken, scope, expires_in: tokenTtlSec, token_type: 'Bearer' }, 200, { 'cache-control': 'no-store', pragma: 'no-cache' });
    });

    // -- Management API: rate limit on every route, then the bearer token ----------------------
    app.use('/api/v2/*', async (c, next) => {
      const nowSec = now() / 1000;
      const ws = Math.floor(nowSec / rateLimit.windowSec) * rateLimit.windowSec;
      if (ws !== windowStart) {
        windowStart = ws;
        used = 0;
      }
      used += 1;
      const headers = {
        'x-ratelimit-limit': String(rateLimit.limit),
        'x-ratelimit-remaining': String(Math.max(0, rateLimit.limit - used)),
        'x-ratelimit-reset': String(ws + rateLimit.windowSec),
      };
      if (used > rateLimit.limit) {
        const res = apiError(c, 429, 'Global limit has been reached', 'too_many_requests');
        for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
        return res;
      }
      await next();
      for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
      return undefined;
    });

    /** Wraps a handler with the bearer-token and scope checks of the Management API. */
    const guarded = (scope: string, handler: (c: SimContext) => Response | Promise<Response>) => async (c: SimContext): Promise<Response> => {
      const m = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
      if (!m?.[1]) return apiError(c, 401, 'Missing authentication');
      const token = state.tokens[fingerprint(m[1])];
      if (!token) return c.json({ statusCode: 401, error: 'Unauthorized', message: 'Invalid token', attributes: { error: 'Invalid token' } }, 401);
      if (token.expires_at <= now()) {
        const message = 'Expired token received for JSON Web Token validation';
        return c.json({ statusCode: 401, error: 'Unauthorized', message, attributes: { error: message } }, 401);
      }
      if (!token.scope.split(' ').includes(scope)) return apiError(c, 403, `Insufficient scope, expected any of: ${scope}`, 'insufficient_scope');
      return handler(c);
    };

    // -- tenant connections -------------------------------------------------------------------
    app.get('/api/v2/connections', guarded('read:connections', (c) => {
      const strategies = c.req.queries('strategy') ?? [];
      const name = c.req.query('name');
      const all = state.connections.filter((k) => (strategies.length === 0 || strategies.includes(k.strategy)) && (name === undefined || k.name === name));
      if (isCheckpoint(c)) return checkpointPage(c, 'connections', all);
      const q = offsetQuery(c);
      return q.ok ? offsetPage(c, 'connections', all, q.value) : q.response;
    }));

    app.get('/api/v2/connections/:id', guarded('read:connections', (c) => {
      const conn = findConnection(param(c, 'id'));
      return conn ? c.json(conn) : apiError(c, 404, 'The connection does not exist', 'inexistent_connection');
    }));

    app.post('/api/v2/connections', guarded('create:connections', async (c) => {
      const read = await readValidBody(c, CREATE_CONNECTION);
      if (!read.ok) return read.response;
      const b = read.body;
      if (state.connections.some((k) => k.name === b['name'])) return apiError(c, 409, 'A connection with the same name already exists', 'connection_conflict');
      const conn: Auth0TenantConnection = {
        id: randomId('con_'),
        name: b['name'] as string,
        strategy: b['strategy'] as string,
        display_name: (b['display_name'] as string | undefined) ?? (b['name'] as string),
        is_domain_connection: (b['is_domain_connection'] as boolean | undefined) ?? false,
        realms: (b['realms'] as string[] | undefined) ?? [b['name'] as string],
        enabled_clients: (b['enabled_clients'] as string[] | undefined) ?? [],
        ...(b['metadata'] ? { metadata: b['metadata'] as Record<string, string> } : {}),
      };
      state.connections.push(conn);
      return c.json(conn, 201);
    }));

    // -- organizations ------------------------------------------------------------------------
    app.get('/api/v2/organizations', guarded('read:organizations', (c) => {
      if (isCheckpoint(c)) return checkpointPage(c, 'organizations', state.organizations);
      const q = offsetQuery(c);
      return q.ok ? offsetPage(c, 'organizations', state.organizations, q.value) : q.response;
    }));

    app.post('/api/v2/organizations', guarded('create:organizations', async (c) => {
      const read = await readValidBody(c, CREATE_ORGANIZATION);
      if (!read.ok) return read.response;
      const b = read.body;
      if (state.organizations.some((o) => o.name === b['name'])) return apiError(c, 409, 'An organization with this name already exists.', 'organization_conflict');
      const inline = (b['enabled_connections'] as unknown[] | undefined) ?? [];
      if (inline.length > 10) return apiError(c, 400, `Payload validation error: 'Array is too long (${inline.length}), maximum 10' on property enabled_connections.`, 'invalid_body');
      const attached: StoredOrganizationConnection[] = [];
      for (const item of inline) {
        const itemProblem = validateBody(item, ADD_ENABLED_CONNECTION);
        if (itemProblem) return apiError(c, 400, itemProblem, 'invalid_body');
        const rec = item as Record<string, unknown>;
        if (!findConnection(rec['connection_id'] as string)) return apiError(c, 404, 'No connection found by that id', 'inexistent_connection');
        attached.push(attach(rec));
      }
      const org: Auth0Organization = {
        id: randomId('org_'),
        name: b['name'] as string,
        ...(b['display_name'] !== undefined ? { display_name: b['display_name'] as string } : {}),
        ...(b['metadata'] !== undefined ? { metadata: b['metadata'] as Record<string, string> } : {}),
        ...(b['branding'] !== undefined ? { branding: b['branding'] as NonNullable<Auth0Organization['branding']> } : {}),
      };
      state.organizations.push(org);
      state.organizationConnections[org.id] = attached;
      return c.json(org, 201);
    }));

    app.get('/api/v2/organizations/name/:name', guarded('read:organizations', (c) => {
      const org = state.organizations.find((o) => o.name === param(c, 'name'));
      return org ? c.json(org) : noOrg(c);
    }));

    app.get('/api/v2/organizations/:id', guarded('read:organizations', (c) => {
      const id = param(c, 'id');
      const org = badId(c, id, 'id') ?? findOrg(id);
      if (org instanceof Response) return org;
      return org ? c.json(org) : noOrg(c);
    }));

    app.patch('/api/v2/organizations/:id', guarded('update:organizations', async (c) => {
      const id = param(c, 'id');
      const invalid = badId(c, id, 'id');
      if (invalid) return invalid;
      const read = await readValidBody(c, UPDATE_ORGANIZATION);
      if (!read.ok) return read.response;
      const org = findOrg(id);
      if (!org) return noOrg(c);
      const b = read.body;
      if (typeof b['name'] === 'string' && state.organizations.some((o) => o.id !== id && o.name === b['name'])) {
        return apiError(c, 409, 'An organization with this name already exists.', 'organization_conflict');
      }
      Object.assign(org, b);
      return c.json(org);
    }));

    app.delete('/api/v2/organizations/:id', guarded('delete:organizations', (c) => {
      const id = param(c, 'id');
      const invalid = badId(c, id, 'id');
      if (invalid) return invalid;
      const i = state.organizations.findIndex((o) => o.id === id);
      if (i < 0) return noOrg(c);
      state.organizations.splice(i, 1);
      delete state.organizationConnections[id];
      return c.body(null, 204);
    }));

    // -- organization connections: both families over the same records --------------------------
    for (const family of FAMILIES) {
      const base = `/api/v2/organizations/:id/${family.key}`;
      const show = (oc: StoredOrganizationConnection): Record<string, unknown> => view(family, oc);

      app.get(base, guarded('read:organization_connections', (c) => {
        const id = param(c, 'id');
        const invalid = badId(c, id, 'id');
        if (invalid) return invalid;
        const q = offsetQuery(c);
        if (!q.ok) return q.response;
        const enabled = family.isEnabledFilter ? boolParam(c, 'is_enabled') : { ok: true as const, value: undefined };
        if (!enabled.ok) return enabled.response;
        if (!findOrg(id)) return noOrg(c);
        // An absent is_enabled (never set) counts as enabled, as the gateway reads it.
        const all = orgConnections(id).filter((oc) => enabled.value === undefined || (oc.is_enabled ?? true) === enabled.value).map(show);
        return offsetPage(c, family.key, all, q.value);
      }));

      app.post(base, guarded('create:organization_connections', async (c) => {
        const id = param(c, 'id');
        const invalid = badId(c, id, 'id');
        if (invalid) return invalid;
        const read = await readValidBody(c, family.create);
        if (!read.ok) return read.response;
        if (!findOrg(id)) return noOrg(c);
        const b = read.body;
        const connectionId = b['connection_id'] as string;
        if (!findConnection(connectionId)) return apiError(c, 404, 'No connection found by that id', 'inexistent_connection');
        const list = orgConnections(id);
        if (list.some((oc) => oc.connection_id === connectionId)) {
          return apiError(c, 409, 'The organization connection already exists.', 'organization_connection_conflict');
        }
        const oc = attach(b);
        list.push(oc);
        return c.json(show(oc), 201);
      }));

      const findAttached = (c: SimContext): { oc: StoredOrganizationConnection; list: StoredOrganizationConnection[] } | Response => {
        const id = param(c, 'id');
        const connectionId = param(c, 'connection_id');
        const invalid = badId(c, id, 'id') ?? badId(c, connectionId, 'connection_id');
        if (invalid) return invalid;
        if (!findOrg(id)) return noOrg(c);
        const list = orgConnections(id);
        const oc = list.find((x) => x.connection_id === connectionId);
        return oc ? { oc, list } : apiError(c, 404, 'No connection found by that id for this organization', 'inexistent_organization_connection');
      };

      app.get(`${base}/:connection_id`, guarded('read:organization_connections', (c) => {
        const found = findAttached(c);
        return found instanceof Response ? found : c.json(show(found.oc));
      }));

      app.patch(`${base}/:connection_id`, guarded('update:organization_connections', async (c) => {
        const read = await readValidBody(c, family.update);
        if (!read.ok) return read.response;
        const found = findAttached(c);
        if (found instanceof Response) return found;
        applyUpdate(found.oc, read.body);
        return c.json(show(found.oc));
      }));

      // Removes the organization's record of the connection (in both families); the tenant connection stays.
      app.delete(`${base}/:connection_id`, guarded('delete:organization_connections', (c) => {
        const found = findAttached(c);
        if (found instanceof Response) return found;
        found.list.splice(found.list.indexOf(found.oc), 1);
        return c.body(null, 204);
      }));
    }

    app.all('/api/v2/*', (c) => apiError(c, 404, 'Not Found'));

    // -- simulator controls -------------------------------------------------------------------
    app.post('/__sim/expire-tokens', (c) => {
      expireAll(state);
      return c.body(null, 204);
    });
    app.put('/__sim/rate-limit', async (c) => {
      const b = (await c.req.json().catch(() => null)) as Partial<Auth0RateLimit> | null;
      if (!b || !Number.isInteger(b.limit) || !Number.isInteger(b.windowSec) || (b.limit as number) < 1 || (b.windowSec as number) < 1) {
        return c.json({ error: 'expected {limit, windowSec}: positive integers' }, 400);
      }
      setRate({ limit: b.limit as number, windowSec: b.windowSec as number });
      return c.body(null, 204);
    });

    return state;
  }, { port: opts.port, host: opts.host, stateFile: opts.stateFile });

  function expireAll(state: Auth0SimState): void {
    const t = now() - 1;
    for (const info of Object.values(state.tokens)) info.expires_at = Math.min(info.expires_at, t);
  }

  function setRate(rl: Auth0RateLimit): void {
    rateLimit = { ...rl };
    windowStart = Number.NaN;
    used = 0;
  }

  return {
    ...running,
    domain,
    audience: `https://${domain}/api/v2/`,
    clients,
    expireTokens: () => expireAll(running.state),
    setRateLimit: setRate,
    addTenantConnection: ({ name, strategy, id }) => {
      const conn: Auth0TenantConnection = {
        id: id ?? randomId('con_'), name, strategy, display_name: name, is_domain_connection: false, realms: [name], enabled_clients: [],
      };
      running.state.connections.push(conn);
      return conn;
    },
    addOrganization: ({ name, id, display_name }) => {
      const org: Auth0Organization = { id: id ?? randomId('org_'), name, ...(display_name !== undefined ? { display_name } : {}) };
      running.state.organizations.push(org);
      running.state.organizationConnections[org.id] = [];
      return org;
    },
  };
}
