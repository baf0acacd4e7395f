import { z } from 'zod';
import { fingerprint } from '../../../simulator/fingerprint.js';
import { randomId } from '../../../simulator/ids.js';
import type { SimApp, SimContext } from '../../../simulator/server.js';
import { MAX_TICKET_TTL_SEC } from '../api-types.js';
import { checkedPayload, OffsetQuery, readBody, readPath, readQuery, readValidBody } from './bodies.js';
import { apiError, noSelfServiceProfile } from './errors.js';
import { offsetList } from './lists.js';
import {
  CreateSelfServiceProfileBody,
  CreateSsoTicketBody,
  CustomTextBody,
  CustomTextPath,
  PROFILE_FIELDS,
  UpdateSelfServiceProfileBody,
} from './self-service-bodies.js';
import { TICKET_PATH } from './self-service-page.js';
import {
  findSelfServiceProfile,
  type Auth0SimState,
  type SelfServiceProfile,
  type StoredSsoTicket,
} from './state.js';
import type { Guarded, ScopeMessage } from './token.js';

/**
 * The Self-Service SSO part of the Management API (docs/providers/auth0.md §10): self-service
 * profiles (list, create, get, update, delete), their custom text, and SSO access tickets (create,
 * revoke). The ticket URL opens the simulator's stand-in for Auth0's setup assistant
 * (self-service-page.ts).
 */

/** "up to 20" profiles per tenant; one more is 409. */
export const MAX_PROFILES = 20;

/** The profile and custom-text endpoints' 403 description: "Insufficient scope, expected: <scope>." */
const PROFILE_SCOPE: ScopeMessage = (scope) => `Insufficient scope, expected: ${scope}.`;
/** The ticket endpoints' 403 description: "Insufficient scope; expected any of: <scope>." */
const TICKET_SCOPE: ScopeMessage = (scope) => `Insufficient scope; expected any of: ${scope}.`;

const ProfilePath = z.object({ id: z.string() });
const RevokePath = z.object({ profileId: z.string(), id: z.string() });

export interface SelfServiceTenant {
  state: Auth0SimState;
  now: () => number;
}

/** A timestamp later than `previous`, so `updated_at` moves on every write. */
function after(previous: string, nowMs: number): string {
  const prev = Date.parse(previous);
  return new Date(Number.isNaN(prev) || nowMs > prev ? nowMs : prev + 1).toISOString();
}

export function selfServiceRoutes(app: SimApp, { state, now }: SelfServiceTenant, guarded: Guarded): void {
  const base = '/api/v2/self-service-profiles';
  const profileOf = (c: SimContext): SelfServiceProfile =>
    findSelfServiceProfile(state, readPath(c, ProfilePath).id) ?? noSelfServiceProfile();

  app.get(
    base,
    guarded(
      'read:self_service_profiles',
      (c) => offsetList(c, 'self_service_profiles', state.selfServiceProfiles, readQuery(c, OffsetQuery)),
      PROFILE_SCOPE,
    ),
  );

  app.post(
    base,
    guarded(
      'create:self_service_profiles',
      async (c) => {
        const b = await readValidBody(c, CreateSelfServiceProfileBody);
        if (state.selfServiceProfiles.length >= MAX_PROFILES)
          apiError(409, 'No more profiles can be created for this tenant.', 'self_service_profile_limit');
        const at = new Date(now()).toISOString();
        // In the response schema's order; what the body does not set stays absent (no defaults are documented).
        const profile: SelfServiceProfile = {
          id: randomId('ssp_', 22),
          name: b.name,
          ...(b.description !== undefined ? { description: b.description } : {}),
          ...(b.user_attributes !== undefined ? { user_attributes: b.user_attributes } : {}),
          created_at: at,
          updated_at: at,
          ...(b.branding !== undefined ? { branding: b.branding } : {}),
          ...(b.allowed_strategies !== undefined ? { allowed_strategies: b.allowed_strategies } : {}),
          ...(b.user_attribute_profile_id !== undefined
            ? { user_attribute_profile_id: b.user_attribute_profile_id }
            : {}),
        };
        state.selfServiceProfiles.push(profile);
        return c.json(profile, 201);
      },
      PROFILE_SCOPE,
    ),
  );

  app.get(
    `${base}/:id`,
    guarded('read:self_service_profiles', (c) => c.json(profileOf(c)), PROFILE_SCOPE),
  );

  app.patch(
    `${base}/:id`,
    guarded(
      'update:self_service_profiles',
      async (c) => {
        const b = (await readValidBody(c, UpdateSelfServiceProfileBody)) as Record<string, unknown>;
        const profile = profileOf(c);
        const record = profile as unknown as Record<string, unknown>;
        // Only the profile's own fields are written (unknown properties are ignored); null clears.
        for (const key of PROFILE_FIELDS) {
          if (!(key in b)) continue;
          if (b[key] === null) delete record[key];
          else record[key] = b[key];
        }
        profile.updated_at = after(profile.updated_at, now());
        return c.json(profile);
      },
      PROFILE_SCOPE,
    ),
  );

  // 204. An unknown id is 404 as on GET (the spec declares no 404 here; the SDK maps none).
  app.delete(
    `${base}/:id`,
    guarded(
      'delete:self_service_profiles',
      (c) => {
        const profile = profileOf(c);
        state.selfServiceProfiles.splice(state.selfServiceProfiles.indexOf(profile), 1);
        for (const key of Object.keys(state.customTexts))
          if (key.startsWith(`${profile.id}/`)) delete state.customTexts[key];
        return c.body(null, 204);
      },
      PROFILE_SCOPE,
    ),
  );

  const customTextKey = (c: SimContext): string => {
    const p = readPath(c, CustomTextPath);
    if (!findSelfServiceProfile(state, p.id)) noSelfServiceProfile();
    return `${p.id}/${p.language}/${p.page}`;
  };

  app.get(
    `${base}/:id/custom-text/:language/:page`,
    guarded(
      'read:self_service_profile_custom_texts',
      (c) => c.json(state.customTexts[customTextKey(c)] ?? {}),
      PROFILE_SCOPE,
    ),
  );

  // PUT overwrites every custom text of the page; `{}` resets it to the default text.
  app.put(
    `${base}/:id/custom-text/:language/:page`,
    guarded(
      'update:self_service_profile_custom_texts',
      async (c) => {
        const body = checkedPayload(CustomTextBody, await readBody(c));
        const key = customTextKey(c);
        if (Object.keys(body).length === 0) delete state.customTexts[key];
        else state.customTexts[key] = body;
        return c.json(body);
      },
      PROFILE_SCOPE,
    ),
  );

  /*
   * A ticket: 201 `{ticket}`, the URL `https://{host}/self-service/connections-flow?ticket={id}`.
   * The host is the one the API was called at (Auth0: the tenant's domain), or the
   * `auth0-custom-domain` header's. The spec declares no 404 for an unknown profile id: this
   * simulator answers the profile's 404 (an assumption, docs/providers/auth0.md §10).
   */
  app.post(
    `${base}/:id/sso-ticket`,
    guarded(
      'create:sso_access_tickets',
      async (c) => {
        const b = await readValidBody(c, CreateSsoTicketBody);
        const profile = profileOf(c);
        const id = randomId('', 32);
        const created = now();
        const ticket: StoredSsoTicket = {
          profile_id: profile.id,
          ...(b.connection_id !== undefined ? { connection_id: b.connection_id } : {}),
          ...(b.connection_config !== undefined
            ? { connection_config: b.connection_config as NonNullable<StoredSsoTicket['connection_config']> }
            : {}),
          enabled_clients: b.enabled_clients ?? [],
          enabled_organizations: (b.enabled_organizations ?? []).map((o) => ({
            organization_id: o.organization_id,
            ...(o.assign_membership_on_login !== undefined
              ? { assign_membership_on_login: o.assign_membership_on_login }
              : {}),
            ...(o.show_as_button !== undefined ? { show_as_button: o.show_as_button } : {}),
          })),
          created_at: created,
          // 0 or absent: 432000 s (5 days).
          expires_at: created + (b.ttl_sec || MAX_TICKET_TTL_SEC) * 1000,
          opens: 0,
          revoked: false,
        };
        state.ssoTickets[fingerprint(id)] = ticket;
        const customDomain = c.req.header('auth0-custom-domain');
        const origin = customDomain ? `https://${customDomain}` : new URL(c.req.url).origin;
        return c.json({ ticket: `${origin}${TICKET_PATH}?ticket=${id}` }, 201);
      },
      TICKET_SCOPE,
    ),
  );

  /*
   * Revoke: 202 with no body, also when no such ticket exists (documented). A ticket is revoked
   * only through the profile it was made with; another profile id finds no ticket (an assumption).
   */
  app.post(
    `${base}/:profileId/sso-ticket/:id/revoke`,
    guarded(
      'delete:sso_access_tickets',
      (c) => {
        const p = readPath(c, RevokePath);
        const ticket = state.ssoTickets[fingerprint(p.id)];
        if (ticket && ticket.profile_id === p.profileId) ticket.revoked = true;
        return c.body(null, 202);
      },
      TICKET_SCOPE,
    ),
  );
}
