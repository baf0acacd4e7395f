import { createHash } from 'node:crypto';
import { z } from 'zod';
import type {
  CallContext,
  ProviderFlow,
  ProviderFlowRequest,
  ProviderFlowStarted,
  StartedFlow,
} from '../../core/adapter.js';
import type { UpstreamConnection } from '../../core/connection.js';
import { GatewayError, reconnectUnsupported, validationError } from '../../core/errors.js';
import { isSafeSegment } from '../../core/segment.js';
import {
  CONNECTION_NAME_MAX,
  CONNECTION_NAME_PATTERN,
  MAX_TICKET_TTL_SEC,
  type Auth0ConnectionsApi,
} from './api-types.js';
import type { Auth0Client } from './client.js';

/**
 * Auth0's provider-hosted flow (contract §11; docs/providers/auth0.md §10): a Self-Service SSO
 * ticket. `start` asks Auth0 for a new-connection ticket on the entry's self-service profile whose
 * connection is named after the connect session and enabled for the linked organization; the
 * customer's IT admin opens the ticket URL and sets up their IdP in Auth0's assistant. Auth0 sends
 * no notice when that is done: the gateway recognises the result by its name on its next list or
 * monitor pass, the name being the only attribution a ticket carries.
 */

export const AUTH0_PROVIDER_FLOW_NAME = 'Auth0 Self-Service SSO';
/** The contract's `provider_flow.type` for Auth0. */
export const AUTH0_PROVIDER_FLOW_TYPE = 'auth0_sso_ticket';

/**
 * A session's `provider_options`: the two settings of the ticket's `enabled_organizations[]`
 * item besides `organization_id` (docs/providers/auth0.md §10), both optional booleans; Auth0
 * documents `show_as_button`'s default (true), not `assign_membership_on_login`'s.
 */
export const auth0FlowOptionsSchema = z.strictObject({
  assign_membership_on_login: z.boolean().optional(),
  show_as_button: z.boolean().optional(),
});

/** Readable names take the session id as it is (`cs_…` → `plugboard-cs-…`); any other id is hashed. */
const READABLE_PREFIX = 'plugboard-';
const HASHED_PREFIX = 'plugboardx-';
const READABLE_ID = /^[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*$/;

/**
 * The `connection_config.name` a session's ticket carries: deterministic (so the session's result
 * is found by name alone, even without the handle), unique per session id, and within Auth0's
 * pattern (alphanumerics and single hyphens, no hyphen at either end, at most 128 characters).
 * A gateway session id (`cs_` + 20 base36) becomes `plugboard-cs-…`: `_` turns into `-`, which no
 * such id holds, so no two ids meet. Any other id becomes `plugboardx-` and 40 hex digits of its
 * SHA-256, which no readable name starts with.
 */
export function auth0ConnectionName(sessionId: string): string {
  const readable = READABLE_PREFIX + sessionId.replaceAll('_', '-');
  if (READABLE_ID.test(sessionId) && readable.length <= CONNECTION_NAME_MAX) return readable;
  return HASHED_PREFIX + createHash('sha256').update(sessionId).digest('hex').slice(0, 40);
}

/** Whether `name` fits Auth0's `connection_config.name` (1–128 characters, the pattern). */
export function isAuth0ConnectionName(name: string): boolean {
  return name.length >= 1 && name.length <= CONNECTION_NAME_MAX && CONNECTION_NAME_PATTERN.test(name);
}

/**
 * The ticket's `ttl_sec`: the seconds until the session expires (rounded up: the ticket outlives it
 * by less than a second, and a call taking a few milliseconds does not cost a second), so the ticket
 * (before its first opening) does not outlive it, within Auth0's 1…432000 (0 would mean 432000, 5
 * days, so at least 1).
 */
export function ticketTtlSec(
  req: Pick<ProviderFlowRequest, 'expiresAt' | 'ttlSeconds'>,
  nowMs: number,
): number {
  const untilExpiry = Math.ceil((Date.parse(req.expiresAt) - nowMs) / 1000);
  const ttl = Math.min(Math.floor(req.ttlSeconds), Number.isNaN(untilExpiry) ? Infinity : untilExpiry);
  return Math.max(1, Math.min(MAX_TICKET_TTL_SEC, ttl));
}

/**
 * The ticket id in a ticket URL: the value of its `ticket` query parameter, which Auth0 says is "at
 * the end of the access ticket URL" (`https://{domain}/self-service/connections-flow?ticket={id}`);
 * null when there is none.
 */
export function ticketIdOf(ticketUrl: string): string | null {
  if (!URL.canParse(ticketUrl)) return null;
  const id = new URL(ticketUrl).searchParams.get('ticket');
  return id === null || id === '' ? null : id;
}

/**
 * What the gateway keeps of a started flow (`handle`): the profile the ticket was made on (revoke
 * names it, and the entry's configured profile may change meanwhile), the ticket id, and the
 * connection name put on the ticket.
 */
export const Auth0FlowHandle = z.strictObject({ profile: z.string(), ticket: z.string(), name: z.string() });
export type Auth0FlowHandle = z.infer<typeof Auth0FlowHandle>;

export function encodeFlowHandle(handle: Auth0FlowHandle): string {
  return JSON.stringify({ profile: handle.profile, ticket: handle.ticket, name: handle.name });
}

export function decodeFlowHandle(handle: string | null): Auth0FlowHandle | null {
  if (handle === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(handle);
  } catch {
    return null;
  }
  const checked = Auth0FlowHandle.safeParse(parsed);
  return checked.success ? checked.data : null;
}

/** An absolute http(s) URL, the only kind the hosted page may send a browser to. */
function isWebUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const { protocol } = new URL(text);
  return protocol === 'https:' || protocol === 'http:';
}

export interface Auth0FlowOptions {
  providerId: string;
  /** The entry's `selfServiceProfileId`. */
  profileId: string;
  client: Pick<Auth0Client<Auth0ConnectionsApi>, 'createSsoTicket' | 'revokeSsoTicket'>;
  now: () => number;
}

export function createAuth0ProviderFlow({
  providerId,
  profileId,
  client,
  now,
}: Auth0FlowOptions): ProviderFlow {
  const notUnderstood = (what: string): GatewayError =>
    new GatewayError(
      'upstream_error',
      `Auth0 (${providerId}) answered the SSO ticket request with ${what}.`,
      {
        provider: providerId,
      },
    );

  return {
    name: AUTH0_PROVIDER_FLOW_NAME,
    optionsSchema: auth0FlowOptionsSchema,

    async start(
      ctx: CallContext,
      externalOrgId: string,
      req: ProviderFlowRequest,
    ): Promise<ProviderFlowStarted> {
      if (req.reconnect !== null) {
        // An edit ticket (`connection_id`) would let the admin change the connection, but Auth0
        // documents no sign that the admin did: the gateway could never complete the session.
        throw reconnectUnsupported(
          providerId,
          'Auth0 Self-Service SSO cannot reconnect a connection: Auth0 documents no signal that an edit ticket was used.',
        );
      }
      // The core parsed the options with `optionsSchema` already; parsed again, they are typed.
      const options = auth0FlowOptionsSchema.safeParse(req.options);
      if (!options.success)
        throw validationError(
          options.error.issues.map((i) => ({
            pointer: `/provider_options${i.path.map((p) => `/${String(p)}`).join('')}`,
            message: i.message,
          })),
        );
      const { assign_membership_on_login: assign, show_as_button: button } = options.data;
      const name = auth0ConnectionName(req.sessionId);
      const ttl = ticketTtlSec(req, now());
      const created = now();
      let answer;
      try {
        answer = await client.createSsoTicket(ctx, profileId, {
          connection_config: { name },
          enabled_organizations: [
            {
              organization_id: externalOrgId,
              ...(assign !== undefined ? { assign_membership_on_login: assign } : {}),
              ...(button !== undefined ? { show_as_button: button } : {}),
            },
          ],
          ttl_sec: ttl,
        });
      } catch (e) {
        // A 404 here can only be the profile (Auth0 declares none for this endpoint): the entry's config.
        if (e instanceof GatewayError && e.code === 'not_found')
          throw new GatewayError(
            'upstream_error',
            `${e.message} Check the selfServiceProfileId of provider ${providerId}.`,
            { provider: providerId, upstreamStatus: 404 },
          );
        throw e;
      }
      const ticketUrl = answer.ticket;
      // The hosted page links to it from the gateway's own origin: only an absolute http(s) URL will do.
      if (!isWebUrl(ticketUrl)) throw notUnderstood('a ticket that is not an absolute http(s) URL');
      const ticket = ticketIdOf(ticketUrl);
      // Revoke names the ticket by this id: a ticket the gateway could not revoke is not handed out.
      if (ticket === null || !isSafeSegment(ticket))
        throw notUnderstood('a ticket URL without a usable ticket id');
      return {
        provider_flow: {
          type: AUTH0_PROVIDER_FLOW_TYPE,
          ticket_url: ticketUrl,
          // Auth0 returns no expiry: the ticket was asked for `ttl` seconds from now (said as no
          // later than the session's, which the rounded-up ttl may pass by under a second).
          expires_at: new Date(
            Math.min(created + ttl * 1000, Date.parse(req.expiresAt) || Infinity),
          ).toISOString(),
        },
        url: ticketUrl,
        handle: encodeFlowHandle({ profile: profileId, ticket, name }),
      };
    },

    /**
     * The organization connection whose tenant connection has the name put on the ticket
     * (`details.connection_name`, mapping.ts). The name follows from the session id, so a session
     * whose handle cannot be read is still recognised.
     */
    recognises(connection: UpstreamConnection, started: StartedFlow): boolean {
      const name = decodeFlowHandle(started.handle)?.name ?? auth0ConnectionName(started.sessionId);
      return connection.details['connection_name'] === name;
    },

    async revoke(ctx: CallContext, _externalOrgId: string, handle: string): Promise<void> {
      const h = decodeFlowHandle(handle);
      if (h === null)
        throw new GatewayError(
          'internal',
          `The Auth0 ticket of this connect session cannot be revoked: its handle is not one provider ${providerId} wrote.`,
          { provider: providerId },
        );
      await client.revokeSsoTicket(ctx, h.profile, h.ticket);
    },
  };
}
