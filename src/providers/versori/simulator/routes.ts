import { cursorPage, decodeCursor, encodeCursor } from '../../../simulator/paging.js';
import type { SimApp, SimContext } from '../../../simulator/server.js';
import { fingerprint } from '../../../simulator/fingerprint.js';
import {
  VERSORI_API_BASE_PATH,
  VERSORI_AUTH_TYPES,
  type Connection,
  type ConnectionsPage,
  type VersoriAuthType,
  type VersoriError,
} from '../api-types.js';
import {
  checkData,
  checked,
  CreateBody,
  InitBody,
  jsonBody,
  listQuery,
  OrganisationBody,
  UpdateBody,
} from './bodies.js';
import { answerVersoriErrors, badRequest, notFound, unauthenticated } from './errors.js';
import { recordExchanges, type SimExchange } from './exchanges.js';
import { initConnection, OAUTH2_CALLBACK_PATH, oauthRoutes, type OAuthFlows } from './oauth.js';
import {
  addOrganisation,
  connectedApps,
  insertConnection,
  nextId,
  ULID,
  type SimConnectedApp,
  type SimConnection,
  type SimOrganisation,
  type VersoriSimState,
} from './state.js';

/** What the routes serve from. */
export interface VersoriService {
  state: VersoriSimState;
  /** The API key callers must send. */
  apiKey: string;
  /** Switches that tests may flip at run time. */
  behaviour: { ignorePaging: boolean };
  /** Where to keep each API request with its answer; null to keep none. */
  exchanges: SimExchange[] | null;
  /** connection-init's grants and the simulated provider's codes in flight. */
  flows: OAuthFlows;
  /** The clock of their expiry (ms since the epoch). */
  now(): number;
  /** Writes the state file, if any (for changes made by a GET: the OAuth2 callback). */
  persist(): void;
}

function organisation(state: VersoriSimState, orgId: string): SimOrganisation {
  return state.organisations[orgId] ?? notFound(`organisation ${orgId} not found`);
}

function connectionOf(state: VersoriSimState, orgId: string, connectionId: string): SimConnection {
  return (
    organisation(state, orgId).connections[connectionId] ?? notFound(`connection ${connectionId} not found`)
  );
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

/** The id a cursor stands for (cursors are the ids of page ends, encoded). */
function cursorId(raw: string, name: string): string {
  const id = decodeCursor(raw);
  if (!ULID.test(id)) badRequest(`${name} is not a valid cursor`);
  return id;
}

function listPage(state: VersoriSimState, c: SimContext, ignorePaging: boolean): ConnectionsPage {
  const org = organisation(state, c.req.param('orgId') ?? '');
  const q = listQuery(c);
  const all = Object.values(org.connections)
    .filter((x) => q.appId === undefined || x.appId === q.appId)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (ignorePaging) return { totalCount: all.length, items: all.map((x) => toApi(state, x)) };
  const after = q.after === undefined ? undefined : cursorId(q.after, 'after');
  const before = after === undefined && q.before !== undefined ? cursorId(q.before, 'before') : undefined;
  const page = cursorPage(all, (x) => x.id, { first: q.first ?? 20, after, before });
  const out: ConnectionsPage = { totalCount: all.length, items: page.items.map((x) => toApi(state, x)) };
  if (page.next !== undefined) out.next = encodeCursor(page.next);
  if (page.prev !== undefined) out.prev = encodeCursor(page.prev);
  return out;
}

/**
 * GetConnectedApps: a `ConnectedAppsPage` (`PageInfo` + `items` of `{ app, connections }`), paged
 * like the connection list with `first` / `after` / `before` over App ids (cursors are App ids,
 * encoded; `sort` is checked and otherwise ignored). The spec's warning that lists currently
 * return every item is about GetConnections only, so this list always pages (`ignorePaging` does
 * not apply). Apps without a connection in the organisation are not listed.
 */
function connectedAppsPage(
  state: VersoriSimState,
  c: SimContext,
): { totalCount: number; next?: string; prev?: string; items: SimConnectedApp[] } {
  const orgId = c.req.param('orgId') ?? '';
  const all = connectedApps(state, orgId) ?? notFound(`organisation ${orgId} not found`);
  const q = listQuery(c);
  const appCursor = (raw: string, name: string): string => {
    const id = decodeCursor(raw);
    if (!state.apps.some((a) => a.id === id)) badRequest(`${name} is not a valid cursor`);
    return id;
  };
  const after = q.after === undefined ? undefined : appCursor(q.after, 'after');
  const before = after === undefined && q.before !== undefined ? appCursor(q.before, 'before') : undefined;
  const page = cursorPage(all, (x) => x.app.id, { first: q.first ?? 20, after, before });
  return {
    totalCount: all.length,
    ...(page.next !== undefined ? { next: encodeCursor(page.next) } : {}),
    ...(page.prev !== undefined ? { prev: encodeCursor(page.prev) } : {}),
    items: page.items,
  };
}

/** The auth type named, if it is one of the spec's, with the App's config of it; else a 400. */
function appAuthType(
  target: { id: string; supportedAuthConfigs?: Array<{ type: string }> },
  authType: string,
) {
  if (!(VERSORI_AUTH_TYPES as readonly string[]).includes(authType))
    badRequest(`authType ${authType} is not a known auth type`);
  if (!target.supportedAuthConfigs?.some((a) => a.type === authType))
    badRequest(`app ${target.id} does not support authType ${authType}`);
  return authType as VersoriAuthType;
}

/**
 * The Switchboard connections API under its base path (connection-init and the OAuth2 callback
 * included, with the simulated provider's authorize page and the result page: oauth.ts), the
 * simulator's organisation controls, and Switchboard's error answers.
 */
export function routes(app: SimApp, service: VersoriService): void {
  const { state, apiKey, behaviour, exchanges } = service;
  const base = VERSORI_API_BASE_PATH;
  const json = (c: SimContext, status: 200 | 201, body: unknown) => c.json(body as object, status);

  if (exchanges) app.use(`${base}/*`, recordExchanges(exchanges));

  app.use(`${base}/*`, async (c, next) => {
    // FinaliseConnectionCallback is tagged `public`: the OAuth2 provider's redirect brings no API key.
    if (c.req.method === 'GET' && c.req.path === OAUTH2_CALLBACK_PATH) return next();
    const header = c.req.header('authorization');
    if (header === undefined || header.trim() === '') unauthenticated('the Authorization header is missing');
    if (header !== apiKey && header !== `Bearer ${apiKey}`) unauthenticated('the API key is not valid');
    await next();
  });

  app.post(`${base}/organisations/:orgId/connections`, async (c) => {
    const org = organisation(state, c.req.param('orgId'));
    const body = checked(CreateBody, await jsonBody(c));
    const target =
      state.apps.find((a) => a.id === body.appId) ?? badRequest(`app ${body.appId} does not exist`);
    const authType = appAuthType(target, body.authType);
    const config =
      target.supportedAuthConfigs?.find((a) => a.type === authType) ??
      badRequest(`app ${target.id} does not support authType ${authType}`);
    if (authType === 'oauth2' && (config.data as { flowType?: string }).flowType !== 'client_credentials') {
      badRequest(
        `app ${target.id} uses an interactive OAuth2 flow; initialise the connection through connection-init`,
      );
    }
    const data = checkData(authType, body.data);
    const conn = insertConnection(state, org.id, { name: body.name, appId: target.id, authType, data });
    return json(c, 201, toApi(state, conn));
  });

  app.get(`${base}/organisations/:orgId/connections`, (c) =>
    json(c, 200, listPage(state, c, behaviour.ignorePaging)),
  );

  /*
   * InitialiseConnection: `{ appId, authType }` (both required), checked like a create's; a redirect
   * for the App's OAuth2 authorization-code config, a form for any other (oauth.ts).
   */
  app.post(`${base}/organisations/:orgId/connection-init`, async (c) => {
    const org = organisation(state, c.req.param('orgId'));
    const body = checked(InitBody, await jsonBody(c));
    const target =
      state.apps.find((a) => a.id === body.appId) ?? badRequest(`app ${body.appId} does not exist`);
    const authType = appAuthType(target, body.authType);
    return json(c, 200, initConnection(service, c, org.id, target, authType));
  });

  oauthRoutes(app, service);

  app.get(`${base}/organisations/:orgId/connected-apps`, (c) => json(c, 200, connectedAppsPage(state, c)));

  app.get(`${base}/organisations/:orgId/connections/:connectionId`, (c) =>
    json(c, 200, toApi(state, connectionOf(state, c.req.param('orgId'), c.req.param('connectionId')))),
  );

  app.put(`${base}/organisations/:orgId/connections/:connectionId`, async (c) => {
    const conn = connectionOf(state, c.req.param('orgId'), c.req.param('connectionId'));
    const { name, data } = checked(UpdateBody, await jsonBody(c));
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
    const parsed = OrganisationBody.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) badRequest('expected { id, name? }');
    const org = addOrganisation(state, parsed.data.id, parsed.data.name ?? parsed.data.id);
    return c.json({ id: org.id, name: org.name }, 201);
  });
  app.get('/__sim/apps', (c) =>
    c.json(
      state.apps.map((a) => ({
        id: a.id,
        name: a.name,
        authConfigs: (a.supportedAuthConfigs ?? []).map((x) => ({ type: x.type, isValid: x.isValid })),
      })),
    ),
  );

  app.notFound((c) =>
    c.json(
      {
        code: 'not_found',
        message: `no route for ${c.req.method} ${new URL(c.req.url).pathname}`,
      } satisfies VersoriError,
      404,
    ),
  );
  app.onError(answerVersoriErrors);
}
