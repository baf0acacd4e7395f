import { z } from 'zod';
import type { CallContext } from '../../core/adapter.js';
import { GatewayError } from '../../core/errors.js';
import { compiled } from '../../core/validation.js';
import { secretValues, type Secret } from '../../core/secret.js';
import {
  createUpstreamClient,
  path,
  upstreamError,
  type ProviderClientOptions,
  type UpstreamFailure,
} from '../../upstream/index.js';
import { isSafeSegment } from '../../core/segment.js';
import {
  VERSORI_DEFAULT_BASE_URL,
  type CreateConnectionRequestBody,
  type InitConnectionRequestBody,
  type UpdateConnectionRequestBody,
} from './api-types.js';

/**
 * The Switchboard connection endpoints the adapter uses (GetConnectedApps for its catalogue,
 * InitialiseConnection for its provider-hosted flow). Answers are parsed leniently (unknown
 * fields kept, only the fields the mapper reads are checked), so an additive upstream change does
 * not break us while a broken answer becomes a clear `upstream_error` instead of a crash.
 */

const AuthConfigRead = z.looseObject({ type: z.string(), isValid: z.boolean() });
const BoardRead = z.looseObject({ id: z.string().optional(), name: z.string().optional() });

export const ConnectionRead = z.looseObject({
  // A plain string in the spec; it becomes a segment of later paths.
  id: z.string().min(1).refine(isSafeSegment, { error: 'not a safe path segment' }),
  orgId: z.string(),
  name: z.string(),
  app: z.looseObject({ id: z.string().min(1), name: z.string() }),
  authConfig: AuthConfigRead.optional(),
  credentialId: z.string(),
  usedByBoards: z.array(BoardRead).nullish(),
});
export type ConnectionRead = z.infer<typeof ConnectionRead>;

export const ConnectionsPageRead = z.looseObject({
  totalCount: z.number().int().optional(),
  next: z.string().nullish(),
  prev: z.string().nullish(),
  items: z.array(ConnectionRead),
});
export type ConnectionsPageRead = z.infer<typeof ConnectionsPageRead>;

/**
 * `ConnectedAppsPage` (GetConnectedApps): `PageInfo` plus `items` of `ConnectedApp` = an `App` and
 * the `ConnectionOverview`s (`name` required, `id` optional) of the organisation's connections to
 * it. Of the App only what the catalogue reads is checked: `id`, `name`, and each supported auth
 * config's `type` and `isValid` (both required by `AppAuthConfig`); `data` is read loosely (its
 * OAuth2 `flowType`) because the spec's `AppAuthConfigData` is an open `oneOf`.
 */
const AppAuthConfigRead = z.looseObject({ type: z.string(), isValid: z.boolean(), data: z.unknown() });
export const ConnectedAppRead = z.looseObject({
  app: z.looseObject({
    id: z.string().min(1),
    name: z.string(),
    supportedAuthConfigs: z.array(AppAuthConfigRead).nullish(),
  }),
  connections: z.array(z.looseObject({ id: z.string().optional(), name: z.string() })),
});
export type ConnectedAppRead = z.infer<typeof ConnectedAppRead>;

export const ConnectedAppsPageRead = z.looseObject({
  totalCount: z.number().int().optional(),
  next: z.string().nullish(),
  prev: z.string().nullish(),
  items: z.array(ConnectedAppRead),
});
export type ConnectedAppsPageRead = z.infer<typeof ConnectedAppsPageRead>;

/**
 * `InitConnectionResponseBody`: `action` (required) with `redirect { url }` or `form { schema }`.
 * The spec requires neither property of `action`; which one came is for the caller to judge.
 */
export const InitConnectionRead = z.looseObject({
  action: z.looseObject({
    redirect: z.looseObject({ url: z.string() }).nullish(),
    form: z.looseObject({ schema: z.record(z.string(), z.unknown()).nullish() }).nullish(),
  }),
});
export type InitConnectionRead = z.infer<typeof InitConnectionRead>;

const VersoriErrorRead = z.looseObject({ code: z.string(), message: z.string() });

export interface VersoriClient {
  createConnection(
    ctx: CallContext,
    orgId: string,
    body: CreateConnectionRequestBody,
  ): Promise<ConnectionRead>;
  getConnection(ctx: CallContext, orgId: string, connectionId: string): Promise<ConnectionRead>;
  listConnections(
    ctx: CallContext,
    orgId: string,
    query: { first: number; after?: string | undefined },
  ): Promise<ConnectionsPageRead>;
  updateConnection(
    ctx: CallContext,
    orgId: string,
    connectionId: string,
    body: UpdateConnectionRequestBody,
  ): Promise<ConnectionRead>;
  deleteConnection(ctx: CallContext, orgId: string, connectionId: string): Promise<void>;
  /** One page of the Apps the organisation has connections to (GetConnectedApps). */
  connectedApps(
    ctx: CallContext,
    orgId: string,
    query: { first: number; after?: string | undefined },
  ): Promise<ConnectedAppsPageRead>;
  /** InitialiseConnection: how to connect `appId` with `authType` (a redirect or a form). */
  connectionInit(
    ctx: CallContext,
    orgId: string,
    body: InitConnectionRequestBody,
  ): Promise<InitConnectionRead>;
}

/** Page size asked of GetConnectedApps (the spec's default is 20 and it names no maximum). */
const CONNECTED_APPS_PAGE = 100;
/** Calls one walk of GetConnectedApps may spend following `next`; beyond that it stops. */
const MAX_CONNECTED_APPS_PAGES = 50;

/**
 * The pages of GetConnectedApps, first to last, until the end, a cursor seen before (an upstream
 * that ignores `after`) or MAX_CONNECTED_APPS_PAGES calls; a caller may stop early.
 */
export async function* connectedAppPages(
  client: Pick<VersoriClient, 'connectedApps'>,
  ctx: CallContext,
  orgId: string,
): AsyncGenerator<ConnectedAppsPageRead> {
  const cursors = new Set<string>();
  let after: string | undefined;
  for (let calls = 0; calls < MAX_CONNECTED_APPS_PAGES; calls += 1) {
    const page = await client.connectedApps(ctx, orgId, { first: CONNECTED_APPS_PAGE, after });
    yield page;
    const next = page.next ?? null;
    if (next === null || next === '' || cursors.has(next)) return;
    cursors.add(next);
    after = next;
  }
}

export interface VersoriClientOptions extends ProviderClientOptions {
  apiKey: Secret<string>;
}

/**
 * The spec's security scheme is an API key carried whole in the `Authorization` header; Versori's
 * authentication guide says the value for an API key is `Bearer <API_KEY>` (and `JWT <token>` for
 * signing-key tokens). A configured value that already names its scheme is sent unchanged.
 */
export function authorizationValue(apiKey: string): string {
  return /^(Bearer|JWT)\s+\S/i.test(apiKey) ? apiKey : `Bearer ${apiKey}`;
}

const MAX_DETAIL = 500;

function describeFailure(failure: UpstreamFailure): string {
  const parsed = VersoriErrorRead.safeParse(failure.body);
  if (!parsed.success) return `Versori answered HTTP ${failure.status}.`;
  const message =
    parsed.data.message.length > MAX_DETAIL
      ? `${parsed.data.message.slice(0, MAX_DETAIL)}…`
      : parsed.data.message;
  return `Versori (${parsed.data.code}): ${message}`;
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown, providerId: string, status: number): T {
  const parsed = compiled(schema).safeParse(body);
  if (!parsed.success) {
    throw new GatewayError(
      'upstream_error',
      `Provider ${providerId} answered with a body that is not a Switchboard response.`,
      {
        provider: providerId,
        upstreamStatus: status,
      },
    );
  }
  return parsed.data;
}

export function createVersoriClient(opts: VersoriClientOptions): VersoriClient {
  const { providerId } = opts;
  const upstream = createUpstreamClient({
    policy: opts.policy,
    baseUrl: opts.baseUrl ?? VERSORI_DEFAULT_BASE_URL,
    auth: { headers: () => ({ authorization: authorizationValue(opts.apiKey.reveal()) }) },
    // The upstream client scrubs the Authorization value and each request's `secrets` from errors.
    mapError: (failure) =>
      upstreamError(providerId, failure.status, describeFailure(failure), failure.headers),
  });
  const connections = (orgId: string) => path`/organisations/${orgId}/connections`;
  const connection = (orgId: string, id: string) => path`/organisations/${orgId}/connections/${id}`;
  const connectedApps = (orgId: string) => path`/organisations/${orgId}/connected-apps`;
  const connectionInit = (orgId: string) => path`/organisations/${orgId}/connection-init`;

  return {
    async createConnection(ctx, orgId, body) {
      const res = await upstream.call(ctx, {
        method: 'POST',
        operation: 'connections.create',
        path: connections(orgId),
        json: body,
        secrets: secretValues(body.data),
      });
      return parseBody(ConnectionRead, res.body, providerId, res.status);
    },
    async getConnection(ctx, orgId, connectionId) {
      const res = await upstream.call(ctx, {
        method: 'GET',
        operation: 'connections.get',
        path: connection(orgId, connectionId),
      });
      return parseBody(ConnectionRead, res.body, providerId, res.status);
    },
    async listConnections(ctx, orgId, query) {
      const res = await upstream.call(ctx, {
        method: 'GET',
        operation: 'connections.list',
        path: connections(orgId),
        query: { first: query.first, after: query.after },
      });
      return parseBody(ConnectionsPageRead, res.body, providerId, res.status);
    },
    async updateConnection(ctx, orgId, connectionId, body) {
      const res = await upstream.call(ctx, {
        method: 'PUT',
        operation: 'connections.replace',
        path: connection(orgId, connectionId),
        json: body,
        secrets: secretValues(body.data),
      });
      return parseBody(ConnectionRead, res.body, providerId, res.status);
    },
    async deleteConnection(ctx, orgId, connectionId) {
      // 200 with `DeletedResource` `{ id }`; nothing in it the gateway needs.
      await upstream.call(ctx, {
        method: 'DELETE',
        operation: 'connections.delete',
        path: connection(orgId, connectionId),
      });
    },
    async connectedApps(ctx, orgId, query) {
      const res = await upstream.call(ctx, {
        method: 'GET',
        operation: 'connected_apps.list',
        path: connectedApps(orgId),
        query: { first: query.first, after: query.after },
      });
      return parseBody(ConnectedAppsPageRead, res.body, providerId, res.status);
    },
    async connectionInit(ctx, orgId, body) {
      // A POST: never retried once it may have left (each call starts a new grant upstream).
      const res = await upstream.call(ctx, {
        method: 'POST',
        operation: 'connections.init',
        path: connectionInit(orgId),
        json: body,
      });
      return parseBody(InitConnectionRead, res.body, providerId, res.status);
    },
  };
}
