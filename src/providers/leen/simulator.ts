import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { z } from 'zod';
import { fieldIssues } from '../../core/validation.js';
import { fingerprint, startSimulator, type RunningSimulator, type SimContext, type SimulatorKit } from '../../simulator/kit.js';
import type { HttpBindings } from '../../net.js';
import {
  LeenCreateConnectionBody, LeenCreateOrganizationBody, LeenUpdateConnectionBody,
  type LeenConnection, type LeenHealth, type LeenHealthDetail, type LeenJob, type LeenOrganization, type LeenState,
  type LeenValidationIssue,
} from './api-types.js';
import { DOCUMENTED_CREDENTIALS, HEALTH_ROWS, isOAuth2Vendor, LeenOptionsSchema, type LeenHealthName, type LeenVendor } from './catalog.js';
import { DEFAULT_REFRESH_INTERVAL_SECS, DEFAULT_TIMEOUT_SECS, DEMO_CONNECTIONS, DEMO_ORG } from './fixtures.js';

/**
 * A Leen provisioning API on loopback: organizations, connections, connection tests and jobs, with
 * Leen's status codes and FastAPI error bodies (docs/providers/leen.md).
 *
 * What it takes from Leen's docs: the vendor enum; the credential shapes Leen publishes (checked,
 * other keys ignored as FastAPI models do by default); `credentials` required except for OAuth2
 * vendors; the documented option keys; PATCH of `credentials`/`identifier`/`state` only; 200 with
 * the connection on create and delete; 422 on malformed UUIDs.
 *
 * What it decides where Leen is silent (each can be switched where a test needs the other case):
 * - PATCH without `state` sets ACTIVE, as one published revision documents (`omittedPatchState`,
 *   or `'unchanged'`).
 * - Lists are `?limit=&offset=` with `{items, total}` (`listTotal: 'null' | 'absent'` drops it);
 *   jobs live at `…/connections/{id}/jobs`, newest first.
 * - OAuth2 vendors (and SNYK without an API key) start PENDING with an `oauth2_authorize_url` on
 *   this simulator's consent page, and with health UNAUTHORIZED (the least helpful answer Leen could
 *   give, so the gateway is tested against it); approving makes them ACTIVE and HEALTHY.
 * - Other new connections are ACTIVE and HEALTHY.
 * - Credentials are never stored: only a fingerprint (to compare) and whether the credential test
 *   should fail (any value containing `invalid`), so state files hold no secret.
 * - Delete is soft (state DELETED, then 404 and absent from lists).
 */

export type SimOrganization = LeenOrganization;

export interface SimConnection {
  id: string;
  vendor: LeenVendor;
  organization_id: string;
  state: LeenState;
  refresh_interval_secs: number;
  timeout_secs: number;
  created_at: string;
  updated_at: string;
  health: LeenHealth;
  identifier: string | null;
  /** Fingerprint of the credentials last sent (`fingerprint()` of the object), null when none were. */
  credentials_fingerprint: string | null;
  /** Whether the credential test fails (decided when the credentials arrive). */
  credentials_test_fails: boolean;
  /** `oauth2`: the end user authorizes at the authorize URL. */
  auth: 'oauth2' | 'credentials';
  oauth2_redirect_urls: { success?: string | undefined; error?: string | undefined } | null;
}

export interface LeenSimState {
  organizations: SimOrganization[];
  connections: SimConnection[];
  jobs: LeenJob[];
}

/** Behaviour Leen does not document, switchable at run time (also `PUT /__sim/behaviour`). */
export interface LeenSimBehaviour {
  /** What a PATCH without `state` does: reset it to ACTIVE (one documented revision) or leave it. */
  omittedPatchState: 'ACTIVE' | 'unchanged';
  /** How list envelopes carry `total`: a number, null, or not at all. */
  listTotal: 'number' | 'null' | 'absent';
}

export interface LeenSimulatorOptions {
  port?: number | undefined;
  host?: string | undefined;
  stateFile?: string | undefined;
  /** The only `X-API-KEY` accepted. */
  apiKey?: string | undefined;
  /** Seed the demo organization when the state has none (never over restored data). */
  seedDemo?: boolean | undefined;
  behaviour?: Partial<LeenSimBehaviour> | undefined;
}

export interface LeenSimulator extends RunningSimulator<LeenSimState> {
  behaviour: LeenSimBehaviour;
}

export const LEEN_SIM_DEFAULT_API_KEY = 'leen-sim-key';

type Env = { Bindings: HttpBindings };

/* ------------------------------------------------------------------ helpers for tests & seed */

export function healthOf(name: LeenHealthName, details: LeenHealthDetail[] | null = null): LeenHealth {
  const row = HEALTH_ROWS[name];
  return { name, status: row.status, resolution_owner: row.resolution_owner, description: row.description, details };
}

function findConnection(state: LeenSimState, connectionId: string): SimConnection {
  const conn = state.connections.find((c) => c.id === connectionId);
  if (!conn) throw new Error(`no simulated Leen connection ${connectionId}`);
  return conn;
}

/** Sets a connection's health to a row of Leen's health table (as a job run would). */
export function setConnectionHealth(state: LeenSimState, connectionId: string, name: LeenHealthName, details: LeenHealthDetail[] | null = null): void {
  findConnection(state, connectionId).health = healthOf(name, details);
}

/** Records a job of a connection; fields not given get plausible values. */
export function addJob(state: LeenSimState, connectionId: string, job: Partial<Omit<LeenJob, 'connection_id'>> = {}): LeenJob {
  findConnection(state, connectionId);
  const status = job.status ?? 'SUCCEEDED';
  const started = job.started_at !== undefined ? job.started_at : new Date().toISOString();
  const record: LeenJob = {
    id: job.id ?? randomUUID(),
    connection_id: connectionId,
    status,
    data_export_type: job.data_export_type ?? 'vulnerabilities',
    started_at: status === 'PENDING' && job.started_at === undefined ? null : started,
    finished_at: job.finished_at !== undefined ? job.finished_at
      : status === 'SUCCEEDED' || status === 'FAILED' ? started : null,
    error: job.error !== undefined ? job.error : status === 'FAILED' ? 'Job failed' : null,
  };
  state.jobs.push(record);
  return record;
}

/** What the simulator keeps of credentials: a fingerprint and whether the credential test fails. */
function credentialFacts(credentials: Record<string, unknown> | null | undefined): Pick<SimConnection, 'credentials_fingerprint' | 'credentials_test_fails'> {
  if (credentials === null || credentials === undefined) return { credentials_fingerprint: null, credentials_test_fails: false };
  const values = JSON.stringify(Object.values(credentials)).toLowerCase();
  return { credentials_fingerprint: fingerprint(credentials), credentials_test_fails: values.includes('invalid') };
}

/** OAuth2 vendors authorize in a browser; SNYK does too unless it was given more than `base_url` (its API-key mode). */
function authModeOf(vendor: LeenVendor, credentials: Record<string, unknown> | null | undefined): SimConnection['auth'] {
  if (!isOAuth2Vendor(vendor)) return 'credentials';
  if (vendor === 'SNYK' && credentials && Object.keys(credentials).some((k) => k !== 'base_url')) return 'credentials';
  return 'oauth2';
}

/** Adds the demo organization, its connections and jobs (fixed ids); returns the organization id. */
export function seedDemo(state: LeenSimState, now = Date.now()): string {
  const at = (hoursAgo: number) => new Date(now - hoursAgo * 3_600_000).toISOString();
  const org: SimOrganization = { id: DEMO_ORG.id, name: DEMO_ORG.name, identifier: DEMO_ORG.identifier, created_at: at(24 * 30) };
  state.organizations.push(org);
  DEMO_CONNECTIONS.forEach((seed, i) => {
    const created = at(24 * (14 - i));
    const conn: SimConnection = {
      id: seed.id, vendor: seed.vendor, organization_id: org.id, state: seed.state,
      refresh_interval_secs: DEFAULT_REFRESH_INTERVAL_SECS, timeout_secs: DEFAULT_TIMEOUT_SECS,
      created_at: created, updated_at: created, health: healthOf(seed.health), identifier: seed.identifier,
      ...credentialFacts(seed.credentials), auth: authModeOf(seed.vendor, seed.credentials), oauth2_redirect_urls: null,
    };
    state.connections.push(conn);
    for (const job of seed.jobs) {
      const started = at(job.hoursAgo);
      const done = job.status === 'SUCCEEDED' || job.status === 'FAILED';
      addJob(state, conn.id, {
        status: job.status, data_export_type: job.data_export_type, started_at: started,
        finished_at: done ? new Date(Date.parse(started) + 12 * 60_000).toISOString() : null, error: job.error ?? null,
      });
    }
  });
  return org.id;
}

/** The demo organization's id, if the state has one. */
export function demoOrganizationId(state: LeenSimState): string | undefined {
  return state.organizations.find((o) => o.identifier === DEMO_ORG.identifier)?.id;
}

/**
 * State restored from a file written by an older simulator kept credentials in the clear: replace
 * them with their facts (the kit rewrites the file right after start).
 */
function upgradeRestored(state: LeenSimState): void {
  for (const conn of state.connections as Array<SimConnection & { credentials?: Record<string, unknown> }>) {
    if (conn.credentials !== undefined) {
      Object.assign(conn, credentialFacts(conn.credentials));
      delete conn.credentials;
    }
    conn.auth ??= authModeOf(conn.vendor, null);
  }
}

/* ------------------------------------------------------------------------- FastAPI-like errors */

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function at(value: unknown, path: PropertyKey[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function locOf(prefix: string, path: PropertyKey[]): Array<string | number> {
  return [prefix, ...path.map((p) => (typeof p === 'number' ? p : String(p)))];
}

function enumMessage(values: readonly unknown[]): string {
  const quoted = values.map((v) => `'${String(v)}'`);
  return quoted.length <= 1 ? `Input should be ${quoted.join('')}` : `Input should be ${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

/** Zod issues → FastAPI `detail` items (pydantic v2 wording; `input` echoed as FastAPI does). */
function fastApiIssues(prefix: string, body: unknown, issues: z.core.$ZodIssue[]): LeenValidationIssue[] {
  return issues.flatMap((issue): LeenValidationIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        type: 'extra_forbidden', loc: locOf(prefix, [...issue.path, key]), msg: 'Extra inputs are not permitted', input: at(body, [...issue.path, key]),
      }));
    }
    const input = at(body, issue.path);
    const loc = locOf(prefix, issue.path);
    if (issue.code === 'invalid_type' && input === undefined) {
      return [{ type: 'missing', loc, msg: 'Field required', input: at(body, issue.path.slice(0, -1)) ?? null }];
    }
    if (issue.code === 'invalid_type') {
      const byType: Record<string, [string, string]> = {
        string: ['string_type', 'Input should be a valid string'],
        record: ['dict_type', 'Input should be a valid dictionary'],
        object: ['model_attributes_type', 'Input should be a valid dictionary or object to extract fields from'],
      };
      const [type, msg] = byType[issue.expected] ?? ['value_error', `Input should be a valid ${issue.expected}`];
      return [{ type, loc, msg, input }];
    }
    if (issue.code === 'invalid_value') return [{ type: 'enum', loc, msg: enumMessage(issue.values), input }];
    if (issue.code === 'too_small' && issue.origin === 'string') {
      return [{ type: 'string_too_short', loc, msg: `String should have at least ${String(issue.minimum)} character${issue.minimum === 1 ? '' : 's'}`, input }];
    }
    if (issue.code === 'invalid_format' && issue.format === 'url') return [{ type: 'url_parsing', loc, msg: 'Input should be a valid URL', input }];
    return [{ type: 'value_error', loc, msg: `Value error, ${issue.message}`, input }];
  });
}

function credentialsIssues(vendor: LeenVendor, body: Record<string, unknown>, credentials: Record<string, unknown> | null | undefined): LeenValidationIssue[] {
  if (credentials === null || credentials === undefined) {
    // Required in the newest Create Connection revision; the guide says OAuth2 vendors need none.
    return isOAuth2Vendor(vendor) ? [] : [{ type: 'missing', loc: ['body', 'credentials'], msg: 'Field required', input: body }];
  }
  const documented = DOCUMENTED_CREDENTIALS[vendor];
  if (!documented) return [];
  const parsed = documented.schema.safeParse(credentials);
  if (parsed.success) return [];
  return fieldIssues(parsed.error).map((i) => {
    const loc = locOf('body', ['credentials', ...i.path]);
    const input = at(credentials, i.path);
    if (input === undefined) return { type: 'missing', loc, msg: 'Field required', input: at(credentials, i.path.slice(0, -1)) ?? null };
    if (typeof input !== 'string') return { type: 'string_type', loc, msg: 'Input should be a valid string', input };
    if (input === '') return { type: 'string_too_short', loc, msg: 'String should have at least 1 character', input };
    return { type: 'value_error', loc, msg: `Value error, ${i.message}`, input };
  });
}

function optionsIssues(body: unknown, options: unknown): LeenValidationIssue[] {
  if (options === null || options === undefined) return [];
  const parsed = LeenOptionsSchema.safeParse(options);
  return parsed.success ? [] : fastApiIssues('body', body, parsed.error.issues.map((i) => ({ ...i, path: ['options', ...i.path] })));
}

/* ------------------------------------------------------------------------------- the server */

const DEFAULT_BEHAVIOUR: LeenSimBehaviour = { omittedPatchState: 'ACTIVE', listTotal: 'number' };

export async function startLeenSimulator(opts: LeenSimulatorOptions = {}): Promise<LeenSimulator> {
  const apiKey = opts.apiKey ?? LEEN_SIM_DEFAULT_API_KEY;
  const behaviour: LeenSimBehaviour = { ...DEFAULT_BEHAVIOUR, ...opts.behaviour };
  const sim = await startSimulator<LeenSimState>((app, kit, restored) => buildLeenSimulator(app, kit, restored, { apiKey, seedDemo: opts.seedDemo ?? false, behaviour }),
    { port: opts.port, host: opts.host, stateFile: opts.stateFile });
  return { ...sim, behaviour };
}

const BehaviourPatch = z.strictObject({
  omittedPatchState: z.enum(['ACTIVE', 'unchanged']).optional(),
  listTotal: z.enum(['number', 'null', 'absent']).optional(),
});

function buildLeenSimulator(
  app: Hono<Env>, _kit: SimulatorKit, restored: LeenSimState | undefined, opts: { apiKey: string; seedDemo: boolean; behaviour: LeenSimBehaviour },
): LeenSimState {
  const state: LeenSimState = {
    organizations: restored?.organizations ?? [],
    connections: restored?.connections ?? [],
    jobs: restored?.jobs ?? [],
  };
  upgradeRestored(state);
  if (opts.seedDemo && demoOrganizationId(state) === undefined) seedDemo(state);
  const { behaviour } = opts;

  const invalid = (c: SimContext, detail: LeenValidationIssue[]) => c.json({ detail }, 422);
  const notFound = (c: SimContext, what: 'Organization' | 'Connection') => c.json({ detail: `${what} not found` }, 404);

  function pathIssues(params: Record<string, string>): LeenValidationIssue[] {
    const names: Record<string, string> = { org: 'organization_id', id: 'connection_id' };
    return Object.entries(params).filter(([, v]) => !UUID.test(v)).map(([k, v]) => ({
      type: 'uuid_parsing', loc: ['path', names[k] ?? k],
      msg: 'Input should be a valid UUID, invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-]', input: v,
    }));
  }

  function pageOf(c: SimContext): { limit: number; offset: number; issues: LeenValidationIssue[] } {
    const issues: LeenValidationIssue[] = [];
    const read = (name: 'limit' | 'offset', dflt: number, min: number, max: number): number => {
      const raw = c.req.query(name);
      if (raw === undefined) return dflt;
      if (!/^-?\d+$/.test(raw.trim())) {
        issues.push({ type: 'int_parsing', loc: ['query', name], msg: 'Input should be a valid integer, unable to parse string as an integer', input: raw });
        return dflt;
      }
      const n = Number(raw);
      if (n < min) issues.push({ type: 'greater_than_equal', loc: ['query', name], msg: `Input should be greater than or equal to ${min}`, input: raw });
      else if (n > max) issues.push({ type: 'less_than_equal', loc: ['query', name], msg: `Input should be less than or equal to ${max}`, input: raw });
      return n;
    };
    return { limit: read('limit', 50, 1, 100), offset: read('offset', 0, 0, Number.MAX_SAFE_INTEGER), issues };
  }

  function paginate<T>(all: T[], page: { limit: number; offset: number }): { items: T[]; total?: number | null } {
    const items = all.slice(page.offset, page.offset + page.limit);
    if (behaviour.listTotal === 'absent') return { items };
    return { items, total: behaviour.listTotal === 'null' ? null : all.length };
  }

  /** Parses a JSON body; issues come back FastAPI-shaped. */
  async function bodyOf<S extends z.ZodType>(c: SimContext, schema: S): Promise<{ data: z.infer<S> } | { issues: LeenValidationIssue[] }> {
    const text = await c.req.text();
    if (text.trim() === '') return { issues: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] };
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      return { issues: [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {}, ctx: { error: e instanceof Error ? e.message : 'invalid' } }] };
    }
    const parsed = schema.safeParse(raw);
    return parsed.success ? { data: parsed.data } : { issues: fastApiIssues('body', raw, parsed.error.issues) };
  }

  const liveOrg = (id: string) => state.organizations.find((o) => o.id === id);
  const liveConnection = (orgId: string, id: string) => state.connections.find((c) => c.id === id && c.organization_id === orgId && c.state !== 'DELETED');

  function authorizeUrl(c: SimContext, conn: SimConnection): string | null {
    if (conn.auth !== 'oauth2' || conn.state !== 'PENDING') return null;
    const url = new URL('/oauth2/authorize', new URL(c.req.url).origin);
    url.searchParams.set('connection_id', conn.id);
    return url.toString();
  }

  function render(c: SimContext, conn: SimConnection, withOrganizationName = false): LeenConnection {
    const out: LeenConnection = {
      id: conn.id, vendor: conn.vendor, is_active: conn.state === 'ACTIVE',
      refresh_interval_secs: conn.refresh_interval_secs, timeout_secs: conn.timeout_secs,
      organization_id: conn.organization_id, state: conn.state, created_at: conn.created_at, updated_at: conn.updated_at,
      health: structuredClone(conn.health), oauth2_authorize_url: authorizeUrl(c, conn), identifier: conn.identifier,
    };
    if (withOrganizationName) out.organization_name = liveOrg(conn.organization_id)?.name ?? '';
    return out;
  }

  /** A timestamp later than `previous`, so `updated_at` moves on every write. */
  function after(previous: string): string {
    const now = Date.now();
    const prev = Date.parse(previous);
    return new Date(Number.isNaN(prev) || now > prev ? now : prev + 1).toISOString();
  }

  app.notFound((c) => c.json({ detail: 'Not Found' }, 404));

  app.use('/provisioning/*', async (c, next) => {
    if (c.req.header('x-api-key') !== opts.apiKey) return c.json({ detail: 'Invalid API key' }, 401);
    return next();
  });

  /* organizations */

  app.post('/provisioning/organizations', async (c) => {
    const body = await bodyOf(c, LeenCreateOrganizationBody);
    if ('issues' in body) return invalid(c, body.issues);
    const org: SimOrganization = { id: randomUUID(), name: body.data.name, identifier: body.data.identifier ?? null, created_at: new Date().toISOString() };
    state.organizations.push(org);
    return c.json(org, 200);
  });

  app.get('/provisioning/organizations', (c) => {
    const page = pageOf(c);
    if (page.issues.length > 0) return invalid(c, page.issues);
    return c.json(paginate(state.organizations, page), 200);
  });

  app.get('/provisioning/organizations/:org', (c) => {
    const issues = pathIssues({ org: c.req.param('org') });
    if (issues.length > 0) return invalid(c, issues);
    const org = liveOrg(c.req.param('org'));
    return org ? c.json(org, 200) : notFound(c, 'Organization');
  });

  /* connections */

  const CONNECTIONS = '/provisioning/organizations/:org/connections';
  const CONNECTION = `${CONNECTIONS}/:id`;

  app.post(CONNECTIONS, async (c) => {
    const orgId = c.req.param('org');
    const body = await bodyOf(c, LeenCreateConnectionBody);
    const issues = [...pathIssues({ org: orgId })];
    if ('issues' in body) return invalid(c, [...issues, ...body.issues]);
    const raw = body.data as Record<string, unknown>;
    issues.push(...credentialsIssues(body.data.vendor, raw, body.data.credentials), ...optionsIssues(raw, body.data.options));
    if (issues.length > 0) return invalid(c, issues);
    if (!liveOrg(orgId)) return notFound(c, 'Organization');
    const { vendor, credentials, identifier, options } = body.data;
    const now = new Date().toISOString();
    const auth = authModeOf(vendor, credentials);
    const redirects = options?.['oauth2_redirect_urls'];
    const conn: SimConnection = {
      id: randomUUID(), vendor, organization_id: orgId, state: auth === 'oauth2' ? 'PENDING' : 'ACTIVE',
      refresh_interval_secs: DEFAULT_REFRESH_INTERVAL_SECS, timeout_secs: DEFAULT_TIMEOUT_SECS,
      created_at: now, updated_at: now, health: healthOf(auth === 'oauth2' ? 'UNAUTHORIZED' : 'HEALTHY'),
      identifier: identifier ?? null, ...credentialFacts(credentials), auth,
      oauth2_redirect_urls: redirects !== null && typeof redirects === 'object' ? redirects as SimConnection['oauth2_redirect_urls'] : null,
    };
    state.connections.push(conn);
    return c.json(render(c, conn), 200);
  });

  app.get(CONNECTIONS, (c) => {
    const orgId = c.req.param('org');
    const page = pageOf(c);
    const issues = [...pathIssues({ org: orgId }), ...page.issues];
    if (issues.length > 0) return invalid(c, issues);
    if (!liveOrg(orgId)) return notFound(c, 'Organization');
    const all = state.connections.filter((x) => x.organization_id === orgId && x.state !== 'DELETED');
    const list = paginate(all, page);
    return c.json({ items: list.items.map((x) => render(c, x)), total: list.total }, 200);
  });

  /** Validates the path, then finds the live connection (or answers 404). */
  function lookup(c: SimContext, extra: LeenValidationIssue[] = []): SimConnection | Response {
    const orgId = c.req.param('org') ?? '';
    const id = c.req.param('id') ?? '';
    const issues = [...pathIssues({ org: orgId, id }), ...extra];
    if (issues.length > 0) return invalid(c, issues);
    if (!liveOrg(orgId)) return notFound(c, 'Organization');
    return liveConnection(orgId, id) ?? notFound(c, 'Connection');
  }

  app.get(CONNECTION, (c) => {
    const conn = lookup(c);
    return conn instanceof Response ? conn : c.json(render(c, conn, true), 200);
  });

  app.patch(CONNECTION, async (c) => {
    const body = await bodyOf(c, LeenUpdateConnectionBody);
    const conn = lookup(c, 'issues' in body ? body.issues : []);
    if (conn instanceof Response) return conn;
    if ('issues' in body) return invalid(c, body.issues);
    const { credentials, identifier, state: newState } = body.data;
    if (credentials !== undefined && credentials !== null) {
      const issues = credentialsIssues(conn.vendor, body.data as Record<string, unknown>, credentials);
      if (issues.length > 0) return invalid(c, issues);
      Object.assign(conn, credentialFacts(credentials));
    }
    if (identifier !== undefined) conn.identifier = identifier;
    if (newState !== undefined && newState !== null) conn.state = newState;
    else if (behaviour.omittedPatchState === 'ACTIVE') conn.state = 'ACTIVE';
    conn.updated_at = after(conn.updated_at);
    return c.json(render(c, conn), 200);
  });

  app.delete(CONNECTION, (c) => {
    const conn = lookup(c);
    if (conn instanceof Response) return conn;
    conn.state = 'DELETED';
    conn.updated_at = after(conn.updated_at);
    return c.json(render(c, conn), 200);
  });

  app.get(`${CONNECTION}/test`, (c) => {
    const conn = lookup(c);
    if (conn instanceof Response) return conn;
    if (conn.auth === 'oauth2' && conn.state === 'PENDING') {
      return c.json({ is_valid: false, message: 'OAuth2 authorization has not been completed' }, 200);
    }
    const rejected = conn.health.name === 'UNAUTHORIZED' || conn.credentials_test_fails;
    return c.json(rejected
      ? { is_valid: false, message: `${conn.vendor} rejected the credentials (401 Unauthorized)` }
      : { is_valid: true, message: 'Credentials are valid' }, 200);
  });

  app.get(`${CONNECTION}/jobs`, (c) => {
    const page = pageOf(c);
    const conn = lookup(c, page.issues);
    if (conn instanceof Response) return conn;
    const all = state.jobs.filter((j) => j.connection_id === conn.id).reverse();
    return c.json(paginate(all, page), 200);
  });

  /* the end user's OAuth2 consent page (not part of Leen's API; what the authorize URL opens) */

  function pendingOAuth(id: string | undefined): SimConnection | undefined {
    const conn = state.connections.find((x) => x.id === id);
    return conn && conn.state === 'PENDING' && conn.auth === 'oauth2' ? conn : undefined;
  }

  app.get('/oauth2/authorize', (c) => {
    const conn = pendingOAuth(c.req.query('connection_id'));
    if (!conn) return c.json({ detail: 'No pending OAuth2 authorization for this connection' }, 404);
    return c.html(`<!doctype html><title>Authorize ${conn.vendor}</title>
<h1>Leen simulator: authorize ${conn.vendor}</h1>
<form method="post"><input type="hidden" name="connection_id" value="${conn.id}">
<button name="decision" value="approve">Authorize</button> <button name="decision" value="deny">Deny</button></form>`);
  });

  app.post('/oauth2/authorize', async (c) => {
    const form = await c.req.parseBody();
    const id = typeof form['connection_id'] === 'string' ? form['connection_id'] : c.req.query('connection_id');
    const conn = pendingOAuth(id);
    if (!conn) return c.json({ detail: 'No pending OAuth2 authorization for this connection' }, 404);
    const approved = form['decision'] !== 'deny';
    if (approved) {
      conn.state = 'ACTIVE';
      conn.health = healthOf('HEALTHY');
      conn.updated_at = after(conn.updated_at);
    }
    const target = approved ? conn.oauth2_redirect_urls?.success : conn.oauth2_redirect_urls?.error;
    if (target) return c.redirect(target, 303);
    return c.json({ detail: approved ? 'Authorized' : 'Authorization denied' }, 200);
  });

  app.put('/__sim/behaviour', async (c) => {
    const parsed = BehaviourPatch.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) return c.json({ detail: 'expected {omittedPatchState?: ACTIVE|unchanged, listTotal?: number|null|absent}' }, 400);
    Object.assign(behaviour, Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)));
    return c.json(behaviour, 200);
  });

  return state;
}
