import type {
  Auth0Organization,
  Auth0TenantConnection,
  Auth0CreateOrganizationConnectionBody,
} from './api-types.js';
import type { SelfServiceProfile } from './simulator/state.js';

/**
 * Seed data of the simulated tenant: tenant connections of the usual strategies (database, social,
 * enterprise SAML / Azure AD / Okta, passwordless) and the demo organization with two of them
 * attached. Ids follow Auth0's shapes (`con_` / `org_` + 16 alphanumerics).
 */

export const DEFAULT_DOMAIN = 'sandbox.auth0.local';

/** The sandbox's M2M application (not a secret anywhere but in the simulator). */
export const SANDBOX_CLIENT = {
  clientId: 'plugboardSandboxM2MClient0001',
  clientSecret: 'sandbox-client-secret-not-for-production',
} as const;

export const TENANT_CONNECTIONS: readonly Auth0TenantConnection[] = [
  {
    id: 'con_Db7Qx2LmP9sK4vTa',
    name: 'Username-Password-Authentication',
    strategy: 'auth0',
    display_name: 'Username-Password-Authentication',
    is_domain_connection: false,
    realms: ['Username-Password-Authentication'],
    enabled_clients: [],
  },
  {
    id: 'con_Gg3Nw8RtY1uH6zBc',
    name: 'google-oauth2',
    strategy: 'google-oauth2',
    display_name: 'Google',
    is_domain_connection: false,
    realms: ['google-oauth2'],
    enabled_clients: [],
  },
  {
    id: 'con_Sm5Kp2Vx9Qa3LdEf',
    name: 'acme-saml',
    strategy: 'samlp',
    display_name: 'Acme SSO (SAML)',
    is_domain_connection: false,
    realms: ['acme-saml'],
    enabled_clients: [],
  },
  {
    id: 'con_Wd4Jc7Hn2Fs8MbGh',
    name: 'contoso-azure-ad',
    strategy: 'waad',
    display_name: 'Contoso (Microsoft Entra ID)',
    is_domain_connection: false,
    realms: ['contoso.onmicrosoft.com'],
    enabled_clients: [],
  },
  {
    id: 'con_Ok6Tz1Xe5Ry9PuJk',
    name: 'okta-workforce',
    strategy: 'okta',
    display_name: 'Okta Workforce',
    is_domain_connection: false,
    realms: ['okta-workforce'],
    enabled_clients: [],
  },
  {
    id: 'con_Em8Bv3Ql6Wo2NiLm',
    name: 'email',
    strategy: 'email',
    display_name: 'Passwordless email',
    is_domain_connection: false,
    realms: ['email'],
    enabled_clients: [],
  },
  {
    id: 'con_Gh2Yd9Ua4Sc7KfNo',
    name: 'github',
    strategy: 'github',
    display_name: 'GitHub',
    is_domain_connection: false,
    realms: ['github'],
    enabled_clients: [],
  },
];

const SPARE_STRATEGIES = [
  'auth0',
  'samlp',
  'oidc',
  'waad',
  'okta',
  'google-apps',
  'adfs',
  'pingfederate',
] as const;

/**
 * Forty more tenant connections in the sandbox tenant, attached to no organization: something to
 * attach to the demo organization (`external_connection_id`), and what the conformance suite uses
 * (ids `con_conformance01`…`40`, the spelling test/contract/cases.ts expects).
 */
export const SPARE_TENANT_CONNECTIONS: readonly Auth0TenantConnection[] = Array.from(
  { length: 40 },
  (_, i) => {
    const n = String(i + 1).padStart(2, '0');
    const strategy = SPARE_STRATEGIES[i % SPARE_STRATEGIES.length] as string;
    return {
      id: `con_conformance${n}`,
      name: `spare-${strategy}-${n}`,
      strategy,
      display_name: `Spare ${strategy} ${n}`,
      is_domain_connection: false,
      realms: [`spare-${strategy}-${n}`],
      enabled_clients: [],
    };
  },
);

export const DEMO_ORGANIZATION: Auth0Organization = {
  id: 'org_demo7hQ2mZ5KpW4n',
  name: 'demo',
  display_name: 'Demo Inc.',
  metadata: { seeded_by: 'plugboard-sandbox' },
};

/** Attached to the demo organization: the database connection and the SAML enterprise connection. */
export const DEMO_ORGANIZATION_CONNECTIONS: readonly Auth0CreateOrganizationConnectionBody[] = [
  {
    connection_id: 'con_Db7Qx2LmP9sK4vTa',
    assign_membership_on_login: false,
    is_signup_enabled: true,
    show_as_button: true,
    is_enabled: true,
  },
  {
    connection_id: 'con_Sm5Kp2Vx9Qa3LdEf',
    organization_connection_name: 'Acme SSO',
    assign_membership_on_login: true,
    show_as_button: true,
    is_signup_enabled: false,
    organization_access_level: 'full',
    is_enabled: true,
  },
];

/**
 * The sandbox tenant's self-service profile (docs/providers/auth0.md §10): the sandbox's provider
 * entry names it as `selfServiceProfileId`, so connect sessions with `flow: "provider"` get a
 * working Self-Service SSO ticket. The id has the shape of Auth0's example (`ssp_` + 22).
 */
export const SANDBOX_SELF_SERVICE_PROFILE: SelfServiceProfile = {
  id: 'ssp_sandbox7Qm2Xw9Lk4Vt8Rz',
  name: 'Plugboard sandbox SSO',
  description: 'Enterprise SSO for the organizations of the sandbox tenant',
  user_attributes: [
    { name: 'email', description: "The user's email address", is_optional: false },
    { name: 'name', description: "The user's full name", is_optional: true },
  ],
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  allowed_strategies: ['samlp', 'oidc', 'okta', 'waad', 'google-apps'],
};
