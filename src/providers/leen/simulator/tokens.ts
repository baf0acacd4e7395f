import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { fingerprint } from '../../../simulator/fingerprint.js';
import { canonicalUuid, type InviteTokenBody } from './bodies.js';
import { detailError } from './errors.js';
import type { LeenSimState, SimInviteToken } from './state.js';

/**
 * OnRamp connection invite tokens (docs/providers/leen.md §10). Documented: minted by
 * `POST …/connection-invite-tokens` with `vendor` (a create token) or `connection_id` (an update
 * token), `identifier`, `options` and `expiry_secs` (default 1800); "one-time use"; a create token
 * "can be used to only create one new connection for the vendor specified"; sent as
 * `X-CONNECTION-INVITE-TOKEN` on Create and Update Connection. What the simulator decides where
 * Leen is silent is listed in TOKEN_ASSUMPTIONS (shown on the OnRamp page too).
 */

/** Leen's default lifetime: "default 30 minutes". */
export const DEFAULT_EXPIRY_SECS = 1800;

/** The refusal of a token that is unknown, used, expired or for another organization (the words of Leen's demo). */
export const INVALID_TOKEN = 'Invalid or expired connection invite token';

/** The latest instant a JavaScript date holds. */
const MAX_TIME = 8.64e15;

/**
 * What the simulator assumes about tokens where Leen's documents say nothing, as HTML list items
 * (shown on the OnRamp page; docs/providers/leen.md §10 lists the same points).
 */
export const TOKEN_ASSUMPTIONS: readonly string[] = [
  'A token minted with neither <code>vendor</code> nor <code>connection_id</code> creates one connection of any vendor (the end user picks it). One minted with both is an update token: <code>connection_id</code> wins and <code>vendor</code> is not checked.',
  '<code>expiry_secs</code> has no minimum or maximum; <code>null</code> means the default 1800; zero or less makes a token that has already expired. A <code>connection_id</code> is not checked when the token is minted, only when it is used (404 if that connection is gone).',
  'With <code>X-CONNECTION-INVITE-TOKEN</code>, Create Connection (<code>POST …/connections</code>) and Update Connection (<code>PATCH …/connections/{id}</code>) need no <code>X-API-KEY</code>; a key that is sent must still be the right one. No other call takes a token.',
  `A token that is unknown, already used, expired, or for another organization is refused with 401 <code>{"detail": "${INVALID_TOKEN}"}</code>; so is a second create with a create token (it is one-time use). A valid token used for something else (another vendor, another connection, a create token on Update Connection) is refused with 403 <code>{"detail": …}</code> and stays unused. A call that fails (422, 404) does not use the token up.`,
  "The token's <code>identifier</code>, when not null, replaces the one in the call's body; when null the body's is used. The token's <code>options</code> are merged over the body's (the token's keys win). Only <code>oauth2_redirect_urls</code> among them changes what the simulator does.",
  "An update token sent to Create Connection updates its connection instead (credentials and identifier; the state stays as it is; the body's <code>vendor</code> must be the connection's). Sent to Update Connection it is a PATCH like any other.",
  "The token is JWT-shaped (its payload names <code>organization_id</code>, <code>vendors</code> and <code>exp</code>, as Leen's demo reads it) but the simulator trusts only its own record of it: the state file keeps a fingerprint keyed for the running process, never the token, so once the simulator's process restarts every earlier token is refused.",
];

/** Signs the simulator's tokens; lives only in this process. */
const SIGNING_KEY = randomBytes(32);

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** A JWT-shaped token (Leen's demo decodes one); its claims are for show: the simulator looks tokens up by fingerprint. */
function tokenText(record: Omit<SimInviteToken, 'token_fingerprint'>): string {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const claims: Record<string, unknown> = {
    organization_id: record.organization_id,
    vendors: record.vendor === null ? [] : [record.vendor],
    exp: Math.floor(Date.parse(record.expires_at) / 1000),
    jti: randomUUID(),
  };
  if (record.connection_id !== null) claims['connection_id'] = record.connection_id;
  const payload = base64url(JSON.stringify(claims));
  const signature = createHmac('sha256', SIGNING_KEY).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Mints a token for organization `organizationId` (found already) and records its fingerprint; returns the token. */
export function mintToken(
  state: LeenSimState,
  organizationId: string,
  body: InviteTokenBody,
  now = Date.now(),
): string {
  const expirySecs = body.expiry_secs ?? DEFAULT_EXPIRY_SECS;
  const connectionId =
    body.connection_id === null || body.connection_id === undefined
      ? null
      : canonicalUuid(body.connection_id);
  const record: Omit<SimInviteToken, 'token_fingerprint'> = {
    organization_id: organizationId,
    vendor: connectionId === null ? (body.vendor ?? null) : null,
    connection_id: connectionId,
    identifier: body.identifier ?? null,
    options: body.options ?? null,
    created_at: new Date(now).toISOString(),
    expires_at: new Date(Math.max(-MAX_TIME, Math.min(MAX_TIME, now + expirySecs * 1000))).toISOString(),
    used_at: null,
    used_for: null,
  };
  const token = tokenText(record);
  state.invite_tokens.push({ token_fingerprint: fingerprint(token), ...record });
  return token;
}

/**
 * The unused, unexpired token `token` of organization `organizationId` (compared as UUIDs; the path's
 * on an API call, absent on the OnRamp page, where the token names its own), or the 401 refusal.
 */
export function usableToken(
  state: LeenSimState,
  token: string,
  organizationId?: string,
  now = Date.now(),
): SimInviteToken {
  const print = fingerprint(token);
  const record = state.invite_tokens.find((t) => t.token_fingerprint === print);
  const sameOrg =
    record !== undefined &&
    (organizationId === undefined ||
      record.organization_id.replace(/-/g, '').toLowerCase() ===
        organizationId.replace(/-/g, '').toLowerCase());
  if (!record || !sameOrg || record.used_at !== null || now >= Date.parse(record.expires_at))
    return detailError(401, INVALID_TOKEN);
  return record;
}

/** A valid token used for what it does not allow: 403, the token stays unused. */
export function tokenRefused(detail: string): never {
  return detailError(403, detail);
}

/** Uses the token up, for connection `connectionId`. */
export function useToken(record: SimInviteToken, connectionId: string, now = Date.now()): void {
  record.used_at = new Date(now).toISOString();
  record.used_for = connectionId;
}
