import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { fingerprint } from '../../../simulator/fingerprint.js';
import type { SimApp, SimContext } from '../../../simulator/server.js';
import { check } from '../../../simulator/validation.js';
import { apiError, oauthError, tokenRejected } from './errors.js';
import type { Auth0SimState } from './state.js';

/** The client-credentials token endpoint (docs/providers/auth0.md §2), and the bearer-token check of the Management API. */

export interface Auth0SimClient {
  clientId: string;
  clientSecret: string;
  /** Scopes granted on the Management API; all that the simulator knows when absent. */
  scopes?: string[];
}

export const ALL_SCOPES = [
  'read:connections',
  'create:connections',
  'read:organizations',
  'create:organizations',
  'update:organizations',
  'delete:organizations',
  'read:organization_connections',
  'create:organization_connections',
  'update:organization_connections',
  'delete:organization_connections',
  'read:self_service_profiles',
  'create:self_service_profiles',
  'update:self_service_profiles',
  'delete:self_service_profiles',
  'read:self_service_profile_custom_texts',
  'update:self_service_profile_custom_texts',
  'create:sso_access_tickets',
  'delete:sso_access_tickets',
] as const;

export interface TokenIssuer {
  state: Auth0SimState;
  clients: readonly Auth0SimClient[];
  /** Lifetime of issued tokens. */
  tokenTtlSec: number;
  now: () => number;
}

/** A JSON token request: an object of parameters (values of other types are read as text). */
const JsonTokenRequest = z.record(z.string(), z.unknown());

/** The token request's parameters: form-encoded or JSON, plus client_secret_basic credentials. */
async function tokenParams(c: SimContext): Promise<Record<string, string>> {
  const type = c.req.header('content-type') ?? '';
  const text = await c.req.text();
  let params: Record<string, string>;
  if (type.includes('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return oauthError(400, 'invalid_request', 'Invalid request body');
    }
    if (!check(JsonTokenRequest, parsed).ok)
      return oauthError(400, 'invalid_request', 'Invalid request body');
    params = Object.fromEntries(
      Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [
        k,
        typeof v === 'string' ? v : String(v),
      ]),
    );
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
  return params;
}

/** `POST /oauth/token`: issues an opaque bearer token for the Management API audience. */
export function tokenRoutes(app: SimApp, issuer: TokenIssuer): void {
  const { state, clients, tokenTtlSec, now } = issuer;
  const audience = `https://${state.domain}/api/v2/`;
  app.post('/oauth/token', async (c) => {
    const params = await tokenParams(c);
    const grant = params['grant_type'];
    if (!grant) oauthError(400, 'invalid_request', 'Missing required parameter: grant_type');
    if (grant !== 'client_credentials')
      oauthError(400, 'unsupported_grant_type', `Unsupported grant type: ${grant}`);
    const client = clients.find((k) => k.clientId === params['client_id']);
    if (!client || params['client_secret'] !== client.clientSecret)
      oauthError(401, 'access_denied', 'Unauthorized');
    const aud = params['audience'];
    if (!aud)
      oauthError(
        403,
        'access_denied',
        'No audience parameter was provided, and no default audience has been configured',
      );
    if (aud !== audience) oauthError(403, 'access_denied', `Service not found: ${aud}`);
    const issuedAt = now();
    for (const [t, info] of Object.entries(state.tokens))
      if (info.expires_at <= issuedAt) delete state.tokens[t];
    const accessToken = randomBytes(32).toString('base64url');
    const scope = (client.scopes ?? [...ALL_SCOPES]).join(' ');
    state.tokens[fingerprint(accessToken)] = {
      client_id: client.clientId,
      scope,
      expires_at: issuedAt + tokenTtlSec * 1000,
    };
    return c.json({ access_token: accessToken, scope, expires_in: tokenTtlSec, token_type: 'Bearer' }, 200, {
      'cache-control': 'no-store',
      pragma: 'no-cache',
    });
  });
}

export type Handler = (c: SimContext) => Response | Promise<Response>;

/** The 403 message of a missing scope; endpoints word it differently (docs/providers/auth0.md §6, §10). */
export type ScopeMessage = (scope: string) => string;

/** The organization endpoints' wording. */
const ANY_OF: ScopeMessage = (scope) => `Insufficient scope, expected any of: ${scope}`;

/** A Management API handler behind the bearer-token check and one scope. */
export type Guarded = (scope: string, handler: Handler, message?: ScopeMessage) => Handler;

/** Wraps Management API handlers with the bearer-token and scope checks. */
export function tokenGuard(issuer: Pick<TokenIssuer, 'state' | 'now'>): Guarded {
  return (scope, handler, message = ANY_OF) =>
    (c) => {
      const m = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
      if (!m?.[1]) apiError(401, 'Missing authentication');
      const token = issuer.state.tokens[fingerprint(m[1])];
      if (!token) tokenRejected('Invalid token');
      if (token.expires_at <= issuer.now())
        tokenRejected('Expired token received for JSON Web Token validation');
      if (!token.scope.split(' ').includes(scope)) apiError(403, message(scope), 'insufficient_scope');
      return handler(c);
    };
}
