import type { z } from 'zod';
import type { CallContext } from '../../core/adapter.js';
import { GatewayError } from '../../core/errors.js';
import type { Secret } from '../../core/secret.js';
import { secretValues } from '../../core/secret.js';
import {
  createUpstreamClient, path, upstreamError, type ProviderClientOptions, type UpstreamClient, type UpstreamFailure,
} from '../../core/upstream/client.js';
import {
  LeenConnectionIn, LeenErrorIn, LeenJobIn, LeenTestResultIn, leenListIn,
  type LeenCreateConnectionBody, type LeenList, type LeenUpdateConnectionBody,
} from './api-types.js';

/** Leen's public US host; `baseUrl` in the provider entry replaces it (a region, a simulator). */
export const LEEN_DEFAULT_BASE_URL = 'https://api.leen.dev/v1';

/** Leen's page size limit on provisioning lists. */
export const LEEN_MAX_PAGE = 100;

const MAX_DETAIL_ITEMS = 10;
const MAX_MSG_LENGTH = 300;

/**
 * The contract error for a non-2xx Leen answer. A 422's detail is built from `loc` and `msg` only:
 * FastAPI also echoes the offending `input`, which may be a credential, so it is never read.
 */
export function leenError(providerId: string, failure: UpstreamFailure): GatewayError {
  return upstreamError(providerId, failure.status, leenErrorDetail(providerId, failure), failure.headers);
}

function leenErrorDetail(providerId: string, failure: UpstreamFailure): string {
  const parsed = LeenErrorIn.safeParse(failure.body);
  if (parsed.success) {
    const { detail } = parsed.data;
    if (typeof detail === 'string') return clip(detail);
    const parts = detail.slice(0, MAX_DETAIL_ITEMS).map((d) => {
      const msg = typeof d.msg === 'string' ? clip(d.msg) : 'invalid';
      return d.loc.length > 0 ? `${d.loc.join('.')}: ${msg}` : msg;
    });
    if (detail.length > MAX_DETAIL_ITEMS) parts.push(`and ${detail.length - MAX_DETAIL_ITEMS} more`);
    if (parts.length > 0) return parts.join('; ');
  }
  return `Provider ${providerId} answered ${failure.status}.`;
}

function clip(s: string): string {
  return s.length > MAX_MSG_LENGTH ? `${s.slice(0, MAX_MSG_LENGTH)}…` : s;
}

export interface LeenClientOptions extends ProviderClientOptions {
  apiKey: Secret<string>;
}

export interface LeenClient {
  listConnections(ctx: CallContext, orgId: string, limit: number, offset: number): Promise<LeenList<LeenConnectionIn>>;
  getConnection(ctx: CallContext, orgId: string, id: string): Promise<LeenConnectionIn>;
  createConnection(ctx: CallContext, orgId: string, body: LeenCreateConnectionBody): Promise<LeenConnectionIn>;
  updateConnection(ctx: CallContext, orgId: string, id: string, body: LeenUpdateConnectionBody): Promise<LeenConnectionIn>;
  deleteConnection(ctx: CallContext, orgId: string, id: string): Promise<LeenConnectionIn>;
  testConnection(ctx: CallContext, orgId: string, id: string): Promise<{ is_valid: boolean; message: unknown }>;
  listJobs(ctx: CallContext, orgId: string, id: string, limit: number, offset: number): Promise<LeenList<LeenJobIn>>;
}

const ConnectionList = leenListIn(LeenConnectionIn);
const JobList = leenListIn(LeenJobIn);

/** Typed calls to `{baseUrl}/provisioning/...`, authenticated with `X-API-KEY`. */
export function createLeenClient(opts: LeenClientOptions): LeenClient {
  const providerId = opts.providerId;
  const log = opts.logger.child({ provider: providerId });
  const http: UpstreamClient = createUpstreamClient({
    providerId,
    baseUrl: opts.baseUrl ?? LEEN_DEFAULT_BASE_URL,
    logger: opts.logger,
    auth: { headers: () => ({ 'X-API-KEY': opts.apiKey.reveal() }) },
    mapError: (failure) => leenError(providerId, failure),
    ...(opts.config ? { config: opts.config } : {}),
    fetch: opts.fetch,
  });

  /** Checks a 2xx body against its schema; a mismatch is the provider's fault (502). */
  function expect<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    log.warn({ what, issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code })) }, 'unexpected upstream response');
    throw new GatewayError('upstream_error', `Provider ${providerId} returned an unexpected ${what}.`, { provider: providerId });
  }

  const connections = (orgId: string) => path`/provisioning/organizations/${orgId}/connections`;
  const connection = (orgId: string, id: string) => path`/provisioning/organizations/${orgId}/connections/${id}`;

  return {
    async listConnections(ctx, orgId, limit, offset) {
      const res = await http.call(ctx, { method: 'GET', path: connections(orgId), query: { limit, offset } });
      return expect(ConnectionList, res.body, 'connection list');
    },
    async getConnection(ctx, orgId, id) {
      const res = await http.call(ctx, { method: 'GET', path: connection(orgId, id) });
      return expect(LeenConnectionIn, res.body, 'connection');
    },
    async createConnection(ctx, orgId, body) {
      const res = await http.call(ctx, { method: 'POST', path: connections(orgId), json: body, secrets: secretValues(body.credentials) });
      return expect(LeenConnectionIn, res.body, 'connection');
    },
    async updateConnection(ctx, orgId, id, body) {
      const res = await http.call(ctx, { method: 'PATCH', path: connection(orgId, id), json: body, secrets: secretValues(body.credentials) });
      return expect(LeenConnectionIn, res.body, 'connection');
    },
    async deleteConnection(ctx, orgId, id) {
      const res = await http.call(ctx, { method: 'DELETE', path: connection(orgId, id) });
      return expect(LeenConnectionIn, res.body, 'connection');
    },
    async testConnection(ctx, orgId, id) {
      const res = await http.call(ctx, { method: 'GET', path: `${connection(orgId, id)}/test` });
      return expect(LeenTestResultIn, res.body, 'test result');
    },
    async listJobs(ctx, orgId, id, limit, offset) {
      const res = await http.call(ctx, { method: 'GET', path: `${connection(orgId, id)}/jobs`, query: { limit, offset } });
      return expect(JobList, res.body, 'job list');
    },
  };
}
