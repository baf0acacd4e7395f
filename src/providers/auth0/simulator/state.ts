import { randomId } from '../../../simulator/ids.js';
import type {
  Auth0Organization,
  Auth0OrganizationAccessLevel,
  Auth0SelfServiceStrategy,
  Auth0TenantConnection,
  Auth0TicketEnabledOrganization,
} from '../api-types.js';
import {
  DEMO_ORGANIZATION,
  DEMO_ORGANIZATION_CONNECTIONS,
  SANDBOX_SELF_SERVICE_PROFILE,
  SPARE_TENANT_CONNECTIONS,
  TENANT_CONNECTIONS,
} from '../fixtures.js';

/**
 * What an organization connection stores, whichever family wrote it; `connection {name, strategy}`
 * is joined in on the way out. A field with no documented default stays absent until it is set.
 */
export interface StoredOrganizationConnection {
  connection_id: string;
  organization_connection_name?: string;
  assign_membership_on_login?: boolean;
  show_as_button: boolean;
  is_signup_enabled: boolean;
  organization_access_level?: Auth0OrganizationAccessLevel;
  is_enabled?: boolean;
}

/** A self-service profile, as the Management API shows it (`SelfServiceProfile`). */
export interface SelfServiceProfile {
  id: string;
  name: string;
  description?: string;
  user_attributes?: Array<{ name: string; description: string; is_optional: boolean }>;
  created_at: string;
  updated_at: string;
  branding?: Record<string, unknown>;
  allowed_strategies?: Auth0SelfServiceStrategy[];
  user_attribute_profile_id?: string;
}

/**
 * An SSO access ticket: the create body's fields that shape the connection, and what became of the
 * ticket. Kept under `fingerprint(ticket id)`, never the id: the id is the ticket URL's secret part.
 */
export interface StoredSsoTicket {
  profile_id: string;
  /** An edit ticket's connection. */
  connection_id?: string;
  connection_config?: {
    name: string;
    display_name?: string;
    is_domain_connection?: boolean;
    show_as_button?: boolean;
    metadata?: Record<string, string | null>;
    options?: Record<string, unknown> | null;
  };
  enabled_clients: string[];
  enabled_organizations: Auth0TicketEnabledOrganization[];
  /** ms since the epoch */
  created_at: number;
  /** Until when the URL can first be opened (`ttl_sec` after creation; 0 or absent: 5 days). */
  expires_at: number;
  /** The first opening (ms), after which the admin has 5 hours. */
  opened_at?: number;
  /** How often the URL was opened (at most 10 are allowed). */
  opens: number;
  revoked: boolean;
  /** The connection the assistant created: the ticket is used. */
  created_connection_id?: string;
}

export interface IssuedToken {
  client_id: string;
  scope: string;
  /** ms since the epoch */
  expires_at: number;
}

/**
 * The simulator's whole state: plain JSON, persisted by the kit when a state file is given, so it
 * holds no secret: issued tokens are kept by `fingerprint()` only (version 2; a version-1 file kept
 * them in plaintext and its tokens are dropped on restore, so clients simply fetch a new one).
 */
export interface Auth0SimState {
  version: 2;
  domain: string;
  connections: Auth0TenantConnection[];
  organizations: Auth0Organization[];
  /** organization id → its connections, in attach order. */
  organizationConnections: Record<string, StoredOrganizationConnection[]>;
  /** `fingerprint(access_token)` → what the token grants. */
  tokens: Record<string, IssuedToken>;
  selfServiceProfiles: SelfServiceProfile[];
  /** Custom text per profile id, language and page (`{id}/{language}/{page}`). */
  customTexts: Record<string, Record<string, string>>;
  /** `fingerprint(ticket id)` → the ticket. */
  ssoTickets: Record<string, StoredSsoTicket>;
}

/**
 * A state file of any version: version 1 kept its tokens in plaintext; files written before the
 * Self-Service SSO endpoints have no profiles, custom texts or tickets.
 */
type SavedState = Omit<Auth0SimState, 'version' | 'selfServiceProfiles' | 'customTexts' | 'ssoTickets'> &
  Partial<Pick<Auth0SimState, 'selfServiceProfiles' | 'customTexts' | 'ssoTickets'>> & { version: number };

/** A new tenant's state: the usual tenant connections, and with `seedDemo` the demo organization and spare connections. */
export function freshState(domain: string, seedDemo: boolean): Auth0SimState {
  const state: Auth0SimState = {
    version: 2,
    domain,
    connections: TENANT_CONNECTIONS.map((c) => structuredClone(c)),
    organizations: [],
    organizationConnections: {},
    tokens: {},
    selfServiceProfiles: [],
    customTexts: {},
    ssoTickets: {},
  };
  if (seedDemo) {
    state.selfServiceProfiles.push(structuredClone(SANDBOX_SELF_SERVICE_PROFILE));
    state.connections.push(...SPARE_TENANT_CONNECTIONS.map((c) => structuredClone(c)));
    state.organizations.push(structuredClone(DEMO_ORGANIZATION));
    state.organizationConnections[DEMO_ORGANIZATION.id] = DEMO_ORGANIZATION_CONNECTIONS.map((b) =>
      attach({ ...b }),
    );
  }
  return state;
}

/**
 * A state file's state in today's shape (a version-1 file's plaintext tokens are forgotten, not
 * kept), serving `domain` when one is given, else the domain the file was written for. A file from
 * before the Self-Service SSO endpoints gets none of their records, except that a seeded sandbox
 * (`seedDemo`) gets its self-service profile, which its provider entry names.
 */
export function restoreState(saved: unknown, domain: string | undefined, seedDemo = false): Auth0SimState {
  const { selfServiceProfiles, customTexts, ssoTickets, ...restored } = saved as SavedState;
  const state: Auth0SimState = {
    ...restored,
    version: 2,
    tokens: restored.version === 2 ? restored.tokens : {},
    selfServiceProfiles: selfServiceProfiles ?? [],
    customTexts: customTexts ?? {},
    ssoTickets: ssoTickets ?? {},
  };
  if (seedDemo && selfServiceProfiles === undefined)
    state.selfServiceProfiles.push(structuredClone(SANDBOX_SELF_SERVICE_PROFILE));
  if (domain !== undefined) state.domain = domain;
  return state;
}

/**
 * A stored organization connection from a create body that passed its family's validation. Only
 * the documented defaults are filled in (`show_as_button` true, `is_signup_enabled` false); the
 * fields whose default Auth0 does not document (`assign_membership_on_login`, `is_enabled`) stay
 * absent (docs/providers/auth0.md §4.1).
 */
export function attach(body: object): StoredOrganizationConnection {
  return { show_as_button: true, is_signup_enabled: false, ...body } as StoredOrganizationConnection;
}

/**
 * Applies a PATCH body that passed its family's validation: a value sets the field, `null` (where
 * the EA schema allows it) removes it, so the field reads as never set.
 */
export function applyUpdate(oc: StoredOrganizationConnection, body: object): void {
  const record = oc as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(body)) {
    if (value === null) delete record[key];
    else record[key] = value;
  }
}

/** Makes every issued token expired at `nowMs`. */
export function expireTokens(state: Auth0SimState, nowMs: number): void {
  const t = nowMs - 1;
  for (const info of Object.values(state.tokens)) info.expires_at = Math.min(info.expires_at, t);
}

/** Adds a tenant connection, as the Auth0 dashboard would. */
export function addTenantConnection(
  state: Auth0SimState,
  { name, strategy, id }: { name: string; strategy: string; id?: string },
): Auth0TenantConnection {
  const conn: Auth0TenantConnection = {
    id: id ?? randomId('con_'),
    name,
    strategy,
    display_name: name,
    is_domain_connection: false,
    realms: [name],
    enabled_clients: [],
  };
  state.connections.push(conn);
  return conn;
}

/** Adds an organization without connections, as the Auth0 dashboard would. */
export function addOrganization(
  state: Auth0SimState,
  { name, id, display_name }: { name: string; id?: string; display_name?: string },
): Auth0Organization {
  const org: Auth0Organization = {
    id: id ?? randomId('org_'),
    name,
    ...(display_name !== undefined ? { display_name } : {}),
  };
  state.organizations.push(org);
  state.organizationConnections[org.id] = [];
  return org;
}

export function findOrganization(state: Auth0SimState, id: string): Auth0Organization | undefined {
  return state.organizations.find((o) => o.id === id);
}

export function findTenantConnection(state: Auth0SimState, id: string): Auth0TenantConnection | undefined {
  return state.connections.find((c) => c.id === id);
}

/** An organization's connections, in attach order (an empty list is made for one that has none yet). */
export function organizationConnections(state: Auth0SimState, orgId: string): StoredOrganizationConnection[] {
  return (state.organizationConnections[orgId] ??= []);
}

/** A self-service profile, as the Auth0 dashboard would create it (test helper). */
export function addSelfServiceProfile(
  state: Auth0SimState,
  profile: Partial<SelfServiceProfile> & { name: string },
  nowMs: number,
): SelfServiceProfile {
  const at = new Date(nowMs).toISOString();
  const created: SelfServiceProfile = {
    id: randomId('ssp_', 22),
    created_at: at,
    updated_at: at,
    ...profile,
  };
  state.selfServiceProfiles.push(created);
  return created;
}

export function findSelfServiceProfile(state: Auth0SimState, id: string): SelfServiceProfile | undefined {
  return state.selfServiceProfiles.find((p) => p.id === id);
}
