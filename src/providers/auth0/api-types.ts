import { z } from 'zod';
import { isSafeSegment } from '../../core/segment.js';

/**
 * Auth0's own spelling of what the gateway reads and writes (Management API v2: organization
 * connections in both families, and the client-credentials token endpoint). See
 * docs/providers/auth0.md §2–§6 for the sources. Nothing here knows the canonical model.
 */

/**
 * The two families of organization-connection endpoints: `connections` (Early Access,
 * `/organizations/{id}/connections`) and `enabled_connections` (GA,
 * `/organizations/{id}/enabled_connections`). The name is both the path segment and the list
 * envelope key.
 */
export const CONNECTIONS_APIS = ['connections', 'enabled_connections'] as const;
export type Auth0ConnectionsApi = (typeof CONNECTIONS_APIS)[number];

export const ORGANIZATION_ACCESS_LEVELS = ['none', 'readonly', 'limited', 'full'] as const;
export type Auth0OrganizationAccessLevel = (typeof ORGANIZATION_ACCESS_LEVELS)[number];

/** `connection` inside an organization connection: `{name, strategy}`, more properties allowed. */
export const Auth0ConnectionInformation = z.looseObject({
  name: z.string().optional(),
  strategy: z.string().optional(),
});
export type Auth0ConnectionInformation = z.infer<typeof Auth0ConnectionInformation>;

/**
 * `OrganizationAllConnectionPost`: the object of create, get, update and list in the EA family. The
 * GA family's `OrganizationConnection` is the same object without `organization_connection_name`,
 * `organization_access_level` and `is_enabled`, so one schema reads both.
 */
export const Auth0OrganizationConnection = z.looseObject({
  /** 1–50 characters [OAS] (docs/providers/auth0.md §4); it becomes a segment of later paths (the create answer's, at once). */
  connection_id: z.string().min(1).max(50).refine(isSafeSegment, { error: 'not a safe path segment' }),
  organization_connection_name: z.string().optional(),
  assign_membership_on_login: z.boolean().optional(),
  show_as_button: z.boolean().optional(),
  is_signup_enabled: z.boolean().optional(),
  organization_access_level: z.enum(ORGANIZATION_ACCESS_LEVELS).optional(),
  is_enabled: z.boolean().optional(),
  connection: Auth0ConnectionInformation.optional(),
});
export type Auth0OrganizationConnection = z.infer<typeof Auth0OrganizationConnection>;

/**
 * `GET /organizations/{id}/{connections|enabled_connections}?include_totals=true`: the items sit
 * under the family's own key.
 */
export const Auth0OrganizationConnectionsPage = z.looseObject({
  start: z.number().int().min(0).optional(),
  limit: z.number().int().min(0).optional(),
  total: z.number().int().min(0).optional(),
  connections: z.array(Auth0OrganizationConnection).optional(),
  enabled_connections: z.array(Auth0OrganizationConnection).optional(),
});
export type Auth0OrganizationConnectionsPage = z.infer<typeof Auth0OrganizationConnectionsPage>;

/** `CreateOrganizationAllConnectionRequestContent` (additionalProperties: false). */
export interface Auth0CreateOrganizationConnectionBody {
  connection_id: string;
  organization_connection_name?: string;
  assign_membership_on_login?: boolean;
  show_as_button?: boolean;
  is_signup_enabled?: boolean;
  organization_access_level?: Auth0OrganizationAccessLevel;
  is_enabled?: boolean;
}

/** `UpdateOrganizationAllConnectionRequestContent`: partial; name, access level and is_enabled take null. */
export interface Auth0UpdateOrganizationConnectionBody {
  organization_connection_name?: string | null;
  assign_membership_on_login?: boolean;
  show_as_button?: boolean;
  is_signup_enabled?: boolean;
  organization_access_level?: Auth0OrganizationAccessLevel | null;
  is_enabled?: boolean | null;
}

/** GA `AddOrganizationConnectionRequestContent` (additionalProperties: false). */
export interface Auth0AddEnabledConnectionBody {
  connection_id: string;
  assign_membership_on_login?: boolean;
  is_signup_enabled?: boolean;
  show_as_button?: boolean;
}

/** GA `UpdateOrganizationConnectionRequestContent`: partial, no nulls. */
export interface Auth0UpdateEnabledConnectionBody {
  assign_membership_on_login?: boolean;
  is_signup_enabled?: boolean;
  show_as_button?: boolean;
}

/** The request bodies of each family. */
export interface Auth0FamilyBodies {
  connections: {
    create: Auth0CreateOrganizationConnectionBody;
    update: Auth0UpdateOrganizationConnectionBody;
  };
  enabled_connections: { create: Auth0AddEnabledConnectionBody; update: Auth0UpdateEnabledConnectionBody };
}

/** A tenant connection (`/api/v2/connections`), the part the simulator keeps. */
export interface Auth0TenantConnection {
  id: string;
  name: string;
  strategy: string;
  display_name?: string;
  is_domain_connection: boolean;
  realms: string[];
  enabled_clients: string[];
  metadata?: Record<string, string>;
  /** Set on the connections the Self-Service SSO assistant creates (`connection_config.show_as_button`). */
  show_as_button?: boolean;
  /** Strategy options; the simulator keeps only what its assistant page collects (never a secret). */
  options?: Record<string, unknown>;
}

/** An organization (`/api/v2/organizations`). */
export interface Auth0Organization {
  id: string;
  name: string;
  display_name?: string;
  metadata?: Record<string, string>;
  branding?: { logo_url?: string; colors?: { primary: string; page_background: string } };
}

/** Management API error body. */
export const Auth0ErrorBody = z.looseObject({
  statusCode: z.number().optional(),
  error: z.string().optional(),
  message: z.string().optional(),
  errorCode: z.string().optional(),
});
export type Auth0ErrorBody = z.infer<typeof Auth0ErrorBody>;

/** `POST /oauth/token` success. */
export const Auth0TokenResponse = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().positive(),
  scope: z.string().optional(),
});
export type Auth0TokenResponse = z.infer<typeof Auth0TokenResponse>;

/** `POST /oauth/token` failure (OAuth shape). */
export const Auth0OAuthError = z.looseObject({
  error: z.string().optional(),
  error_description: z.string().optional(),
});
export type Auth0OAuthError = z.infer<typeof Auth0OAuthError>;

// ------------------------------------------------------------------------------------------------
// Self-Service SSO (docs/providers/auth0.md §10): self-service profiles and SSO access tickets.

/** `SelfServiceProfileAllowedStrategyEnum`: the IdPs a self-service profile may offer. */
export const SELF_SERVICE_STRATEGIES = [
  'oidc',
  'samlp',
  'waad',
  'google-apps',
  'adfs',
  'okta',
  'auth0-samlp',
  'okta-samlp',
  'keycloak-samlp',
  'pingfederate',
] as const;
export type Auth0SelfServiceStrategy = (typeof SELF_SERVICE_STRATEGIES)[number];

/** Longest `ttl_sec` of an SSO access ticket; 0 or absent also means this (5 days). */
export const MAX_TICKET_TTL_SEC = 432_000;

/**
 * `connection_config.name` of a ticket: 1–128 characters, alphanumerics and single hyphens, no
 * leading or trailing hyphen (the same pattern as a tenant connection's name).
 */
export const CONNECTION_NAME_PATTERN = /^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$/;
export const CONNECTION_NAME_MAX = 128;

/** `SelfServiceProfileSsoTicketEnabledOrganization`. */
export interface Auth0TicketEnabledOrganization {
  organization_id: string;
  assign_membership_on_login?: boolean;
  show_as_button?: boolean;
}

/**
 * The part of `CreateSelfServiceProfileSsoTicketRequestContent` (additionalProperties: false) the
 * gateway sends: a new-connection ticket enabled for one organization.
 */
export interface Auth0CreateSsoTicketBody {
  connection_config: { name: string };
  enabled_organizations: Auth0TicketEnabledOrganization[];
  ttl_sec: number;
}

/** `CreateSelfServiceProfileSsoTicketResponseContent`: `{ticket}`, the ticket's URL (nothing else is returned). */
export const Auth0SsoTicketResponse = z.looseObject({ ticket: z.string().min(1) });
export type Auth0SsoTicketResponse = z.infer<typeof Auth0SsoTicketResponse>;
