import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { SimulatorStartOptions } from '../definition.js';
import type { HttpBindings } from '../../net.js';
import { fingerprint, startSimulator, type RunningSimulator } from '../../simulator/kit.js';
import {
  JWT_ALGORITHMS,
  VERSORI_API_BASE_PATH,
  VERSORI_AUTH_TYPES,
  type App,
  type Connection,
  type ConnectionBoardReference,
  type ConnectionsPage,
  type VersoriAuthType,
  type VersoriError,
} from './api-types.js';
import { DEMO_CONNECTIONS, DEMO_ORGANISATION, fixtureApps } from './fixtures.js';

/**
 * An in-memory Versori Switchboard (v1alpha1), connections subset, faithful to the published
 * OpenAPI document: the API lives under `/api/switchboard/v1alpha1` (the path of the production
 * server URL), so an adapter's `baseUrl` is `<url>/api/switchboard/v1alpha1`.
 *
 * - `Authorization` carries the API key, bare (the spec's apiKey scheme) or as `Bearer <key>`
 *   (Versori's auth guide); anything else is 401.
 * - Create answers 201, get/list/put 200, delete 200 `{ id }`; errors are `{ code, message }`.
 * - Secrets (`data`) are checked against their `ConnectionData*` variant and never returned (only
 *   `credentialId`). The state keeps only their fingerprint, so a state file holds no secret.
 * - PUT replaces name and data together (`UpdateConnectionRequestBody` requires both): a PUT without
 *   `data`, or with `data: null`, is 400 and changes nothing.
 * - Lists page with `first` (default 20) / `after` / `before` cursors, or, with `ignorePaging`,
 *   answer every item the way the spec says Switchboard currently does.
 *
 * Its answers where Versori's documents are silent are listed in `docs/providers/versori.md`.
 */

type Env = { Bindings: HttpBindings };
type Ctx = Context<Env>;

export const VERSORI_SIM_DEFAULT_API_KEY = 'versori-sim-key';

export interface SimConnection {
  id: string;
  orgId: string;
  name: string;
  appId: string;
  authType: VersoriAuthType;
  /** Id of the credential holding the secret; a new one on every PUT. */
  credentialId: string;
  /** `fingerprint()` of the secret `data` last written; the secret itself is never kept. */
  dataFingerprint: string;
  usedByBoards: ConnectionBoardReference[];
}

export interface SimOrganisation {
  id: string;
  name: string;
  connections: Record<string, SimConnection>;
}

/** Plain JSON, persisted by the kit when a state file is given; it holds no secret. */
export interface VersoriSimState {
  version: 2;
  apps: App[];
  organisations: Record<string, SimOrganisation>;
  /** Monotonic id source: ids sort in creation order, which is the list order. */
  idClock: number;
  idSeq: number;
}

export interface VersoriSimulatorOptions extends SimulatorStartOptions {
  /** The API key callers must send (default `versori-sim-key`). */
  apiKey?: string | undefined;
  /** Seed the demo organisation and its connection when no state was restored. */
  seedDemo?: boolean | undefined;
  /** Answer lists with every item, ignoring `first`/`after`/`before` (Switchboard's current behaviour). */
  ignorePaging?: boolean | undefined;
  /** Keep each API request with its answer in `exchanges` (tests validate them against the spec). */
  recordExchanges?: boolean | undefined;
}

/** One request to the Switchboard API and the simulator's answer. */
export interface SimExchange {
  method: string;
  path: string;
  /** The query string without `?`. */
  query: string;
  authorization: string | null;
  requestBody: unknown;
  status: number;
  responseBody: unknown;
}

export interface VersoriSimulator extends RunningSimulator<VersoriSimState> {
  apiKey: string;
  /** `<url>/api/switchboard/v1alpha1`: what a provider entry's `baseUrl` should be. */
  baseUrl: string;
  /** Switches that tests may flip at run time. */
  behaviour: { ignorePaging: boolean };
  /** Filled only with `recordExchanges`. */
  exchanges: SimExchange[];
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

function base32(n: number, width: number): string {
  let out = '';
  let v = n;
  for (let i = 0; i < width; i += 1) {
    out = (CROCKFORD[v % 32] as string) + out;
    v = Math.floor(v / 32);
  }
  return out;
}

/** A ULID-shaped id; strictly increasing within one state. */
function nextId(state: VersoriSimState): string {
  state.idClock = Math.max(Date.now(), state.idClock);
  state.idSeq += 1;
  return base32(state.idClock, 10) + base32(state.idSeq, 16);
}

export function initialState(): VersoriSimState {
  return { version: 2, apps: fixtureApps(), organisations: {}, idClock: 0, idSeq: 0 };
}

/** A state file of version 1: each connection kept its secret `data` in plaintext. */
interface VersoriSimStateV1 extends Omit<VersoriSimState, 'version' | 'organisations'> {
  version: 1;
  organisations: Record<string, Omit<SimOrganisation, 'connections'> & {
    connections: Record<string, Omit<SimConnection, 'dataFingerprint'> & { data: unknown }>;
  }>;
}

/**
 * The state as read from a state file. A version 1 file's plaintext secrets become fingerprints
 * here, and the kit rewrites the file at start, so the secrets leave the disk too.
 */
function restoreState(restored: VersoriSimState | VersoriSimStateV1): VersoriSimState {
  if (restored.version === 2) return restored;
  const organisations: Record<string, SimOrganisation> = {};
  for (const [orgId, org] of Object.entries(restored.organisations)) {
    const connections: Record<string, SimConnection> = {};
    for (const [id, { data, ...conn }] of Object.entries(org.connections)) connections[id] = { ...conn, dataFingerprint: fingerprint(data) };
    organisations[orgId] = { ...org, connections };
  }
  return { ...restored, version: 2, organisations };
}

/** Adds an organisation (no-op when it exists) and returns it. */
export function addOrganisation(state: VersoriSimState, id: string, name = id): SimOrganisation {
  const existing = state.organisations[id];
  if (existing) return existing;
  const org: SimOrganisation = { id, name, connections: {} };
  state.organisations[id] = org;
  return org;
}

/**
 * The fingerprint of the secret `data` a connection holds (undefined when no such connection):
 * compare it with `fingerprint(expected)` to check what was sent or replayed.
 */
export function storedSecretFingerprint(state: VersoriSimState, orgId: string, connectionId: string): string | undefined {
  return state.organisations[orgId]?.connections[connectionId]?.dataFingerprint;
}

function insertConnection(
  state: VersoriSimState,
  orgId: string,
  c: { name: string; appId: string; authType: VersoriAuthType; data: object; usedByBoards?: ConnectionBoardReference[] },
): SimConnection {
  const org = addOrganisation(state, orgId);
  const conn: SimConnection = {
    id: nextId(state),
    orgId,
    name: c.name,
    appId: c.appId,
    authType: c.authType,
    credentialId: nextId(state),
    dataFingerprint: fingerprint(c.data),
    usedByBoards: structuredClone(c.usedByBoards ?? []),
  };
  org.connections[conn.id] = conn;
  return conn;
}

export function seedDemo(state: VersoriSimState): void {
  addOrganisation(state, DEMO_ORGANISATION.id, DEMO_ORGANISATION.name);
  for (const seed of DEMO_CONNECTIONS) insertConnection(state, DEMO_ORGANISATION.id, seed);
}

/**
 * `data` per auth type, as the `ConnectionData*` variants define it. Those schemas do not forbid
 * other properties, so other keys are accepted (and count in the stored fingerprint).
 */
const DATA_SCHEMAS: Partial<Record<VersoriAuthType, z.ZodType<Record<string, unknown>>>> = {
  apikey: z.looseObject({ apiKey: z.string() }),
  httpBasicAuth: z.looseObject({ user: z.string(), password: z.string() }),
  httprefresh: z.looseObject({ secret: z.string() }),
  oauth2: z.looseObject({
    clientId: z.string(),
    clientSecret: z.string(),
    username: z.string().optional(),
    password: z.string().optional(),
    additionalParameters: z.string().optional(),
    issueToken: z.boolean().optional(),
    authStyle: z.number().int().optional(),
  }),
  jwtbearer: z.looseObject({
    secret: z.string(),
    payload: z.record(z.string(), z.unknown()),
    algorithm: z.enum(JWT_ALGORITHMS),
    prefix: z.string().optional(),
    expiresIn: z.string().optional(),
  }),
};

const CreateBody = z.object({ name: z.string(), appId: z.string(), authType: z.string(), data: z.unknown() });
const UpdateBody = z.object({ name: z.string(), data: z.unknown().refine((v) => v !== undefined && v !== null, 'required: an update replaces name and data together') });
const SORT = /^([^:,]+:[^:,]+)(,[^:,]+:[^:,]+)*$/;

class SimError extends Error {
  constructor(readonly status: 400 | 401 | 404, readonly code: string, message: string) {
    super(message);
  }
}

const badRequest = (message: string) => new SimError(400, 'bad_request', message);
const notFound = (message: string) => new SimError(404, 'not_found', message);

/** A zod problem as a message naming the field, never echoing its value. */
function describeIssue(prefix: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `${prefix} is invalid`;
  const at = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
  return `${at || 'body'}: ${issue.message}`;
}

function checkData(authType: VersoriAuthType, data: unknown): Record<string, unknown> {
  const schema = DATA_SCHEMAS[authType];
  if (!schema) throw badRequest(`connections with authType ${authType} are created through connection-init`);
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw badRequest(describeIssue('data', parsed.error));
  return parsed.data;
}

async function jsonBody(c: Ctx): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('the request body is not valid JSON');
  }
}

function organisation(state: VersoriSimState, orgId: string): SimOrganisation {
  const org = state.organisations[orgId];
  if (!org) throw notFound(`organisation ${orgId} not found`);
  return org;
}

function connectionOf(state: VersoriSimState, orgId: string, connectionId: string): SimConnection {
  const conn = organisation(state, orgId).connections[connectionId];
  if (!conn) throw notFound(`connection ${connectionId} not found`);
  return conn;
}

function toApi(state: VersoriSimState, conn: SimConnection): Connection {
  const app = state.apps.find((a) => a.id === conn.appId);
  if (!app) throw new Error(`simulator state names unknown app ${conn.appId}`);
  const authConfig = app.supportedAuthConfigs?.find((a) => a.type === conn.authType);
  return {
    id: conn.id,
    orgId: conn.orgId,
    name: conn.name,
    app: structuredClone(app),
    // Required by the spec's Connection (though not defined as a property there).
    authType: conn.authType,
    ...(authConfig ? { authConfig: structuredClone(authConfig) } : {}),
    credentialId: conn.credentialId,
    usedByBoards: structuredClone(conn.usedByBoards),
  };
}

const cursorOf = (id: string) => Buffer.from(id).toString('base64url');

function cursorId(raw: string, name: string): string {
  const id = Buffer.from(raw, 'base64url').toString('utf8');
  if (!ULID.test(id)) throw badRequest(`${name} is not a valid cursor`);
  return id;
}

function listPage(state: VersoriSimState, c: Ctx, ignorePaging: boolean): ConnectionsPage {
  const org = organisation(state, c.req.param('orgId') ?? '');
  const appId = c.req.query('appId');
  const sort = c.req.query('sort');
  if (sort !== undefined && !SORT.test(sort)) throw badRequest('sort must look like field:direction[,field:direction]');
  const all = Object.values(org.connections)
    .filter((x) => appId === undefined || x.appId === appId)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const firstRaw = c.req.query('first');
  if (firstRaw !== undefined && !/^[1-9][0-9]*$/.test(firstRaw)) throw badRequest('first must be a positive integer');
  const after = c.req.query('after');
  const before = c.req.query('before');
  if (after !== undefined && before !== undefined) throw badRequest('after and before cannot be combined');
  if (ignorePaging) return { totalCount: all.length, items: all.map((x) => toApi(state, x)) };

  const first = firstRaw === undefined ? 20 : Number(firstRaw);
  let page: SimConnection[];
  if (after !== undefined) {
    const id = cursorId(after, 'after');
    page = all.filter((x) => x.id > id).slice(0, first);
  } else if (before !== undefined) {
    const id = cursorId(before, 'before');
    page = all.filter((x) => x.id < id).slice(-first);
  } else {
    page = all.slice(0, first);
  }
  const head = page[0];
  const tail = page.at(-1);
  const out: ConnectionsPage = { totalCount: all.length, items: page.map((x) => toApi(state, x)) };
  if (tail && all.some((x) => x.id > tail.id)) out.next = cursorOf(tail.id);
  if (head && all.some((x) => x.id < head.id)) out.prev = cursorOf(head.id);
  return out;
}

function routes(app: Hono<Env>, state: VersoriSimState, opts: { apiKey: string; behaviour: { ignorePaging: boolean }; exchanges: SimExchange[] | null }): void {
  const base = VERSORI_API_BASE_PATH;
  const json = (c: Ctx, status: 200 | 201, body: unknown) => c.json(body as object, status);

  if (opts.exchanges) {
    const exchanges = opts.exchanges;
    app.use(`${base}/*`, async (c, next) => {
      const requestText = ['GET', 'HEAD', 'DELETE'].includes(c.req.method) ? '' : await c.req.raw.clone().text();
      await next();
      const responseText = await c.res.clone().text();
      const parse = (t: string): unknown => {
        if (t === '') return undefined;
        try {
          return JSON.parse(t) as unknown;
        } catch {
          return t;
        }
      };
      const url = new URL(c.req.url);
      exchanges.push({
        method: c.req.method,
        path: url.pathname,
        query: url.search.replace(/^\?/, ''),
        authorization: c.req.header('authorization') ?? null,
        requestBody: parse(requestText),
        status: c.res.status,
        responseBody: parse(responseText),
      });
    });
  }

  app.use(`${base}/*`, async (c, next) => {
    const header = c.req.header('authorization');
    if (header === undefined || header.trim() === '') throw new SimError(401, 'unauthenticated', 'the Authorization header is missing');
    if (header !== opts.apiKey && header !== `Bearer ${opts.apiKey}`) throw new SimError(401, 'unauthenticated', 'the API key is not valid');
    await next();
  });

  app.post(`${base}/organisations/:orgId/connections`, async (c) => {
    const org = organisation(state, c.req.param('orgId'));
    const parsed = CreateBody.safeParse(await jsonBody(c));
    if (!parsed.success) throw badRequest(describeIssue('', parsed.error));
    const body = parsed.data;
    const target = state.apps.find((a) => a.id === body.appId);
    if (!target) throw badRequest(`app ${body.appId} does not exist`);
    if (!(VERSORI_AUTH_TYPES as readonly string[]).includes(body.authType)) throw badRequest(`authType ${body.authType} is not a known auth type`);
    const authType = body.authType as VersoriAuthType;
    const config = target.supportedAuthConfigs?.find((a) => a.type === authType);
    if (!config) throw badRequest(`app ${target.id} does not support authType ${authType}`);
    if (authType === 'oauth2' && (config.data as { flowType?: string }).flowType !== 'client_credentials') {
      throw badRequest(`app ${target.id} uses an interactive OAuth2 flow; initialise the connection through connection-init`);
    }
    const data = checkData(authType, body.data);
    const conn = insertConnection(state, org.id, { name: body.name, appId: target.id, authType, data });
    return json(c, 201, toApi(state, conn));
  });

  app.get(`${base}/organisations/:orgId/connections`, (c) => json(c, 200, listPage(state, c, opts.behaviour.ignorePaging)));

  app.get(`${base}/organisations/:orgId/connections/:connectionId`, (c) =>
    json(c, 200, toApi(state, connectionOf(state, c.req.param('orgId'), c.req.param('connectionId')))));

  app.put(`${base}/organisations/:orgId/connections/:connectionId`, async (c) => {
    const conn = connectionOf(state, c.req.param('orgId'), c.req.param('connectionId'));
    const parsed = UpdateBody.safeParse(await jsonBody(c));
    if (!parsed.success) throw badRequest(describeIssue('', parsed.error));
    const { name, data } = parsed.data;
    // Everything is replaced: validate first, then write name and secret together.
    const next = checkData(conn.authType, data);
    conn.name = name;
    conn.dataFingerprint = fingerprint(next);
    conn.credentialId = nextId(state);
    return json(c, 200, toApi(state, conn));
  });

  app.delete(`${base}/organisations/:orgId/connections/:connectionId`, (c) => {
    const conn = connectionOf(state, c.req.param('orgId'), c.req.param('connectionId'));
    delete organisation(state, conn.orgId).connections[conn.id];
    return json(c, 200, { id: conn.id });
  });

  // Control routes beside the kit's: organisations cannot be made through the Switchboard API.
  app.post('/__sim/organisations', async (c) => {
    const parsed = z.strictObject({ id: z.string().min(1), name: z.string().optional() }).safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) return c.json({ code: 'bad_request', message: 'expected { id, name? }' }, 400);
    const org = addOrganisation(state, parsed.data.id, parsed.data.name ?? parsed.data.id);
    return c.json({ id: org.id, name: org.name }, 201);
  });
  app.get('/__sim/apps', (c) =>
    c.json(state.apps.map((a) => ({ id: a.id, name: a.name, authConfigs: (a.supportedAuthConfigs ?? []).map((x) => ({ type: x.type, isValid: x.isValid })) }))));

  app.notFound((c) => c.json({ code: 'not_found', message: `no route for ${c.req.method} ${new URL(c.req.url).pathname}` } satisfies VersoriError, 404));
  app.onError((e, c) => {
    if (e instanceof SimError) return c.json({ code: e.code, message: e.message } satisfies VersoriError, e.status);
    return c.json({ code: 'internal', message: 'internal error' } satisfies VersoriError, 500);
  });
}

export async function startVersoriSimulator(opts: VersoriSimulatorOptions = {}): Promise<VersoriSimulator> {
  const apiKey = opts.apiKey ?? VERSORI_SIM_DEFAULT_API_KEY;
  const behaviour = { ignorePaging: opts.ignorePaging ?? false };
  const exchanges: SimExchange[] = [];
  const sim = await startSimulator<VersoriSimState>((app, _kit, restored) => {
    // A state file is JSON of any earlier version.
    let state = restored === undefined ? undefined : restoreState(restored as VersoriSimState | VersoriSimStateV1);
    if (!state) {
      state = initialState();
      if (opts.seedDemo) seedDemo(state);
    }
    routes(app, state, { apiKey, behaviour, exchanges: opts.recordExchanges ? exchanges : null });
    return state;
  }, { port: opts.port, host: opts.host, stateFile: opts.stateFile });
  return { ...sim, apiKey, baseUrl: `${sim.url}${VERSORI_API_BASE_PATH}`, behaviour, exchanges };
}
