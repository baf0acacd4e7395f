import type { z } from 'zod';
import type { CallContext } from '../../core/adapter.js';
import { GatewayError, type FieldProblem } from '../../core/errors.js';
import { compiled } from '../../core/validation.js';
import type { Secret } from '../../core/secret.js';
import { secretValues } from '../../core/secret.js';
import {
  createUpstreamClient,
  path,
  upstreamError,
  type ProviderClientOptions,
  type UpstreamClient,
  type UpstreamFailure,
} from '../../upstream/index.js';
import {
  LeenConnectionIn,
  LeenErrorIn,
  LeenInviteTokenIn,
  LeenJobIn,
  LeenTestResultIn,
  leenPageIn,
  type LeenCreateConnectionBody,
  type LeenInviteTokenBody,
  type LeenPage,
  type LeenUpdateConnectionBody,
} from './api-types.js';
import { pointerFromLoc } from './mapping.js';

/** Leen's public US host; `baseUrl` in the provider entry replaces it (a region, a simulator). */
export const LEEN_DEFAULT_BASE_URL = 'https://api.leen.dev/v1';

/** The most items the gateway asks Leen for in one list call. */
export const LEEN_MAX_PAGE = 100;

const MAX_DETAIL_ITEMS = 10;
const MAX_MSG_LENGTH = 300;

/**
 * The contract error for a non-2xx Leen answer. A 422's items become field problems whose pointers
 * name the caller's field (`loc` body.credentials.client_key → `/credentials/client_key`), with
 * Leen's `msg`. FastAPI also echoes the offending `input`, which may be a credential: it is never
 * read. (The upstream client scrubs the secrets it sent from whatever text remains.)
 */
export function leenError(providerId: string, failure: UpstreamFailure): GatewayError {
  const parsed = LeenErrorIn.safeParse(failure.body);
  if (!parsed.success)
    return upstreamError(
      providerId,
      failure.status,
      `Provider ${providerId} answered ${failure.status}.`,
      failure.headers,
    );
  const { detail } = parsed.data;
  if (typeof detail === 'string')
    return upstreamError(providerId, failure.status, clip(detail), failure.headers);
  const items = detail
    .slice(0, MAX_DETAIL_ITEMS)
    .map((d) => ({ loc: d.loc, msg: typeof d.msg === 'string' ? clip(d.msg) : 'invalid' }));
  const parts = items.map((d) => (d.loc.length > 0 ? `${d.loc.join('.')}: ${d.msg}` : d.msg));
  if (detail.length > MAX_DETAIL_ITEMS) parts.push(`and ${detail.length - MAX_DETAIL_ITEMS} more`);
  const problems: FieldProblem[] = items.flatMap((d) => {
    const at = pointerFromLoc(d.loc);
    return at === null ? [] : [{ pointer: at, message: d.msg }];
  });
  const text =
    parts.length > 0
      ? `Provider ${providerId} refused the request: ${parts.join('; ')}`
      : `Provider ${providerId} answered ${failure.status}.`;
  return upstreamError(providerId, failure.status, text, failure.headers, problems);
}

function clip(s: string): string {
  return s.length > MAX_MSG_LENGTH ? `${s.slice(0, MAX_MSG_LENGTH)}…` : s;
}

export interface LeenClientOptions extends ProviderClientOptions {
  apiKey: Secret<string>;
}

export interface LeenClient {
  listConnections(
    ctx: CallContext,
    orgId: string,
    limit: number,
    offset: number,
  ): Promise<LeenPage<LeenConnectionIn>>;
  getConnection(ctx: CallContext, orgId: string, id: string): Promise<LeenConnectionIn>;
  createConnection(
    ctx: CallContext,
    orgId: string,
    body: LeenCreateConnectionBody,
  ): Promise<LeenConnectionIn>;
  updateConnection(
    ctx: CallContext,
    orgId: string,
    id: string,
    body: LeenUpdateConnectionBody,
  ): Promise<LeenConnectionIn>;
  deleteConnection(ctx: CallContext, orgId: string, id: string): Promise<LeenConnectionIn>;
  testConnection(
    ctx: CallContext,
    orgId: string,
    id: string,
  ): Promise<{ is_valid: boolean; message: unknown }>;
  listJobs(
    ctx: CallContext,
    orgId: string,
    id: string,
    limit: number,
    offset: number,
  ): Promise<LeenPage<LeenJobIn>>;
  /** Create Connection Invite Token (OnRamp): `{token}`, for the end user's browser, never for a log. */
  createInviteToken(ctx: CallContext, orgId: string, body: LeenInviteTokenBody): Promise<LeenInviteTokenIn>;
}

const ConnectionList = leenPageIn(LeenConnectionIn);
const JobList = leenPageIn(LeenJobIn);

/** Typed calls to `{baseUrl}/provisioning/...`, authenticated with `X-API-KEY`. */
export function createLeenClient(opts: LeenClientOptions): LeenClient {
  const providerId = opts.providerId;
  const log = opts.logger.child({ provider: providerId });
  const http: UpstreamClient = createUpstreamClient({
    policy: opts.policy,
    baseUrl: opts.baseUrl ?? LEEN_DEFAULT_BASE_URL,
    auth: { headers: () => ({ 'X-API-KEY': opts.apiKey.reveal() }) },
    mapError: (failure) => leenError(providerId, failure),
  });

  /** Checks a 2xx body against its schema; a mismatch is the provider's fault (502). */
  function expect<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
    const parsed = compiled(schema).safeParse(body);
    if (parsed.success) return parsed.data;
    log.warn(
      { what, issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code })) },
      'unexpected upstream response',
    );
    throw new GatewayError('upstream_error', `Provider ${providerId} returned an unexpected ${what}.`, {
      provider: providerId,
    });
  }

  const connections = (orgId: string) => path`/provisioning/organizations/${orgId}/connections`;
  const connection = (orgId: string, id: string) =>
    path`/provisioning/organizations/${orgId}/connections/${id}`;

  return {
    async listConnections(ctx, orgId, limit, offset) {
      const res = await http.call(ctx, {
        method: 'GET',
        operation: 'connections.list',
        path: connections(orgId),
        query: { limit, offset },
      });
      return expect(ConnectionList, res.body, 'connection list');
    },
    async getConnection(ctx, orgId, id) {
      const res = await http.call(ctx, {
        method: 'GET',
        operation: 'connections.get',
        path: connection(orgId, id),
      });
      return expect(LeenConnectionIn, res.body, 'connection');
    },
    async createConnection(ctx, orgId, body) {
      const res = await http.call(ctx, {
        method: 'POST',
        operation: 'connections.create',
        path: connections(orgId),
        json: body,
        secrets: secretValues(body.credentials),
      });
      return expect(LeenConnectionIn, res.body, 'connection');
    },
    async updateConnection(ctx, orgId, id, body) {
      const res = await http.call(ctx, {
        method: 'PATCH',
        operation: 'connections.update',
        path: connection(orgId, id),
        json: body,
        secrets: secretValues(body.credentials),
      });
      return expect(LeenConnectionIn, res.body, 'connection');
    },
    async deleteConnection(ctx, orgId, id) {
      const res = await http.call(ctx, {
        method: 'DELETE',
        operation: 'connections.delete',
        path: connection(orgId, id),
      });
      return expect(LeenConnectionIn, res.body, 'connection');
    },
    async testConnection(ctx, orgId, id) {
      const res = await http.call(ctx, {
        method: 'GET',
        operation: 'connections.test',
        path: `${connection(orgId, id)}/test`,
      });
      return expect(LeenTestResultIn, res.body, 'test result');
    },
    // List Jobs by Connection ID exists in Leen's reference, but its path is not public: this one
    // is a guess, which is why a 404 here never retires the connection (see ConnectionService).
    async listJobs(ctx, orgId, id, limit, offset) {
      const res = await http.call(ctx, {
        method: 'GET',
        operation: 'jobs.list',
        path: `${connection(orgId, id)}/jobs`,
        query: { limit, offset },
      });
      return expect(JobList, res.body, 'job list');
    },
    // A POST, so never retried once it may have reached Leen: a lost answer leaves an unused token
    // behind, which expires on its own.
    async createInviteToken(ctx, orgId, body) {
      const res = await http.call(ctx, {
        method: 'POST',
        operation: 'invite_tokens.create',
        path: path`/provisioning/organizations/${orgId}/connection-invite-tokens`,
        json: body,
      });
      return expect(LeenInviteTokenIn, res.body, 'invite token');
    },
  };
}
