import type { z } from 'zod';
import type { CallContext } from '../../core/adapter.js';
import { GatewayError } from '../../core/errors.js';
import { compiled } from '../../core/validation.js';
import type { Secret } from '../../core/secret.js';
import {
  createUpstreamClient,
  path,
  upstreamError,
  type ProviderClientOptions,
  type UpstreamClient,
  type UpstreamFailure,
} from '../../upstream/index.js';
import {
  Auth0ErrorBody,
  Auth0OrganizationConnection,
  Auth0OrganizationConnectionsPage,
  Auth0SsoTicketResponse,
  type Auth0ConnectionsApi,
  type Auth0CreateSsoTicketBody,
  type Auth0FamilyBodies,
} from './api-types.js';
import { ClientCredentialsTokenProvider, tokenEndpointError } from './token.js';

/** A bare array of connections (one list form): one schema, compiled once (compiled()). */
const CONNECTION_ARRAY = Auth0OrganizationConnection.array();

/**
 * The few Management API calls the gateway makes: list, create, get, update and delete an
 * organization connection, in the family `F` the entry is configured for (`connections`, EA, or
 * `enabled_connections`, GA; docs/providers/auth0.md §3). The family is the path segment, the list
 * envelope key and the body types; everything else is the same. Plus, for the provider-hosted flow,
 * create and revoke a Self-Service SSO ticket (§10). Calls go through the shared upstream client:
 * token on every call, one refresh-and-retry on a 401.
 */

/** Auth0 answers at most this many items per page (`per_page` 1–100). */
export const MAX_PER_PAGE = 100;

/** `https://{domain}`, or the configured `baseUrl` that replaces it (contract §1). */
export function auth0Origin(domain: string, baseUrl?: string): string {
  return (baseUrl ?? `https://${domain}`).replace(/\/+$/, '');
}

/**
 * The Management API audience: the configured one (a tenant reached through a custom domain, whose
 * Management API identifier is still `https://{tenant}.auth0.com/api/v2/`), else derived from
 * `domain`, with the trailing slash, as the official SDK derives it.
 */
export function auth0Audience(domain: string, audience?: string): string {
  return audience ?? `https://${domain}/api/v2/`;
}

export interface Auth0ClientOptions<F extends Auth0ConnectionsApi> extends ProviderClientOptions {
  domain: string;
  /** Overrides the audience derived from `domain`. */
  audience?: string | undefined;
  clientId: string;
  clientSecret: Secret<string>;
  family: F;
}

export interface OrganizationConnectionsPage {
  connections: Auth0OrganizationConnection[];
  /** From `include_totals`; undefined when the upstream sent a bare array. */
  total: number | undefined;
}

export class Auth0Client<F extends Auth0ConnectionsApi> {
  readonly providerId: string;
  readonly tokens: ClientCredentialsTokenProvider;
  readonly #api: UpstreamClient;
  readonly #family: F;

  constructor(opts: Auth0ClientOptions<F>) {
    this.providerId = opts.providerId;
    this.#family = opts.family;
    const origin = auth0Origin(opts.domain, opts.baseUrl);
    // The token endpoint and the Management API share the provider's one policy (budget, breaker, limiter).
    const common = { policy: opts.policy };
    const tokenHttp = createUpstreamClient({
      ...common,
      baseUrl: origin,
      auth: { headers: () => ({}) },
      mapError: (f) => tokenEndpointError(opts.providerId, f, opts.clientSecret),
    });
    const tokens = new ClientCredentialsTokenProvider({
      providerId: opts.providerId,
      clientId: opts.clientId,
      clientSecret: opts.clientSecret,
      audience: auth0Audience(opts.domain, opts.audience),
      http: tokenHttp,
      now: opts.now,
    });
    this.tokens = tokens;
    this.#api = createUpstreamClient({
      ...common,
      baseUrl: `${origin}/api/v2`,
      auth: {
        headers: async (ctx) => ({ authorization: `Bearer ${(await tokens.token(ctx)).reveal()}` }),
        invalidate: (refused) => tokens.invalidate(refused['authorization']?.replace(/^Bearer /, '')),
      },
      mapError: (f) => managementApiError(opts.providerId, f),
    });
  }

  /** One offset page, asked with `include_totals=true`; a bare array (no totals) is read too. */
  async listOrganizationConnections(
    ctx: CallContext,
    orgId: string,
    q: { page: number; per_page: number },
  ): Promise<OrganizationConnectionsPage> {
    const res = await this.#api.call<unknown>(ctx, {
      method: 'GET',
      operation: 'connections.list',
      path: this.#path(orgId),
      query: { page: q.page, per_page: q.per_page, include_totals: true },
    });
    if (Array.isArray(res.body))
      return { connections: this.#parse(CONNECTION_ARRAY, res.body), total: undefined };
    const page = this.#parse(Auth0OrganizationConnectionsPage, res.body);
    const connections = page[this.#family];
    if (connections === undefined) throw this.#notUnderstood();
    return { connections, total: page.total };
  }

  /** EA create / GA add: 201 with the object. */
  async createOrganizationConnection(
    ctx: CallContext,
    orgId: string,
    body: Auth0FamilyBodies[F]['create'],
  ): Promise<Auth0OrganizationConnection> {
    const res = await this.#api.call<unknown>(ctx, {
      method: 'POST',
      operation: 'connections.create',
      path: this.#path(orgId),
      json: body,
    });
    return this.#parse(Auth0OrganizationConnection, res.body);
  }

  async getOrganizationConnection(
    ctx: CallContext,
    orgId: string,
    connectionId: string,
  ): Promise<Auth0OrganizationConnection> {
    const res = await this.#api.call<unknown>(ctx, {
      method: 'GET',
      operation: 'connections.get',
      path: this.#path(orgId, connectionId),
    });
    return this.#parse(Auth0OrganizationConnection, res.body);
  }

  async updateOrganizationConnection(
    ctx: CallContext,
    orgId: string,
    connectionId: string,
    body: Auth0FamilyBodies[F]['update'],
  ): Promise<Auth0OrganizationConnection> {
    const res = await this.#api.call<unknown>(ctx, {
      method: 'PATCH',
      operation: 'connections.update',
      path: this.#path(orgId, connectionId),
      json: body,
    });
    return this.#parse(Auth0OrganizationConnection, res.body);
  }

  /** 204: removes the organization's connection (the enablement); the tenant connection stays. */
  async deleteOrganizationConnection(ctx: CallContext, orgId: string, connectionId: string): Promise<void> {
    await this.#api.call<unknown>(ctx, {
      method: 'DELETE',
      operation: 'connections.delete',
      path: this.#path(orgId, connectionId),
    });
  }

  /**
   * `POST /self-service-profiles/{id}/sso-ticket` (scope `create:sso_access_tickets`): 201 with
   * `{ticket}`, the ticket's URL, and nothing else (docs/providers/auth0.md §10). Never retried (a POST):
   * a retry could mint a second ticket.
   */
  async createSsoTicket(
    ctx: CallContext,
    profileId: string,
    body: Auth0CreateSsoTicketBody,
  ): Promise<Auth0SsoTicketResponse> {
    const res = await this.#api.call<unknown>(ctx, {
      method: 'POST',
      operation: 'sso_ticket.create',
      path: path`/self-service-profiles/${profileId}/sso-ticket`,
      json: body,
    });
    return this.#parse(Auth0SsoTicketResponse, res.body);
  }

  /**
   * `POST /self-service-profiles/{profileId}/sso-ticket/{id}/revoke` (scope
   * `delete:sso_access_tickets`), no body: 202, also for a ticket Auth0 does not know.
   */
  async revokeSsoTicket(ctx: CallContext, profileId: string, ticketId: string): Promise<void> {
    await this.#api.call<unknown>(ctx, {
      method: 'POST',
      operation: 'sso_ticket.revoke',
      path: path`/self-service-profiles/${profileId}/sso-ticket/${ticketId}/revoke`,
    });
  }

  /** `/organizations/{id}/{family}[/{connection_id}]`, segments encoded. */
  #path(orgId: string, connectionId?: string): string {
    const collection = path`/organizations/${orgId}/${this.#family}`;
    return connectionId === undefined ? collection : collection + path`/${connectionId}`;
  }

  #notUnderstood(): GatewayError {
    return new GatewayError(
      'upstream_error',
      `Auth0 (${this.providerId}) answered with a body the gateway does not understand.`,
      { provider: this.providerId },
    );
  }

  #parse<T>(schema: z.ZodType<T>, body: unknown): T {
    const parsed = compiled(schema).safeParse(body);
    if (!parsed.success) throw this.#notUnderstood();
    return parsed.data;
  }
}

/**
 * A Management API failure (`{statusCode, error, message, errorCode}`, docs/providers/auth0.md §6) as the contract
 * error. 409 (the connection is already attached) becomes `conflict`: the caller's create collides
 * with state that exists, which is what a 409 means to a gateway client; the rest is the shared table.
 */
export function managementApiError(providerId: string, failure: UpstreamFailure): GatewayError {
  const parsed = Auth0ErrorBody.safeParse(failure.body);
  const body = parsed.success ? parsed.data : {};
  const text =
    body.message ??
    (typeof failure.body === 'string' && failure.body.trim() !== ''
      ? failure.body.trim().slice(0, 200)
      : undefined) ??
    body.error ??
    `HTTP ${failure.status}`;
  const detail = `Auth0 (${providerId}): ${text}${body.errorCode ? ` [${body.errorCode}]` : ''}`;
  if (failure.status === 409)
    return new GatewayError('conflict', detail, { provider: providerId, upstreamStatus: 409 });
  return upstreamError(providerId, failure.status, detail, failure.headers);
}
