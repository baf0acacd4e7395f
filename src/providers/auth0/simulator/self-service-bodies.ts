import { z } from 'zod';
import {
  CONNECTION_NAME_MAX,
  CONNECTION_NAME_PATTERN,
  MAX_TICKET_TTL_SEC,
  SELF_SERVICE_STRATEGIES,
} from '../api-types.js';

/**
 * Request bodies of the Self-Service SSO endpoints (docs/providers/auth0.md §10), after Auth0's
 * published request schemas (`CreateSelfServiceProfileRequestContent`,
 * `UpdateSelfServiceProfileRequestContent`, `CreateSelfServiceProfileSsoTicketRequestContent`).
 * Only what the documents state is checked:
 * - the ticket body is `additionalProperties: false` (documented), so it is a strict object;
 * - whether the profile bodies and the objects nested in the ticket body refuse unknown properties
 *   is not documented, so they do not (unknown properties are ignored);
 * - the guide's cross-field rules (`use_for_organization_discovery` needs exactly one organization,
 *   `enabled_features` only on edit tickets, `provisioning: true` needs `provisioning_config`,
 *   `pending_domains` quotas) come without documented error answers, so they are not enforced.
 */

/** JSON Schema `maxProperties`/`minProperties`, in the validator's words. */
function propertyCount(min: number, max: number) {
  return (o: object, ctx: z.RefinementCtx): void => {
    const n = Object.keys(o).length;
    if (n > max)
      ctx.addIssue({ code: 'custom', message: `Too many properties defined (${n}), maximum ${max}` });
    if (n < min)
      ctx.addIssue({ code: 'custom', message: `Too few properties defined (${n}), minimum ${min}` });
  };
}

const HTTPS = /^https:\/\//;
const HEX_COLOR = /^#([\dA-Fa-f]{6}|[\dA-Fa-f]{3})$/;

// ------------------------------------------------------------------------------------------------
// Profiles

const strategies = z.array(z.enum(SELF_SERVICE_STRATEGIES)).min(1);

/**
 * `branding`: additional properties allowed. `colors.primary` is required when `colors` is given.
 * (The spec's `format: uri` on `logo_url` is covered by the documented `^https://` pattern.)
 */
const branding = z.looseObject({
  logo_url: z.string().max(1024).regex(HTTPS).optional(),
  colors: z.looseObject({ primary: z.string().regex(HEX_COLOR) }).optional(),
});

/**
 * One attribute to map. The spec gives `name` at most 250 characters, the guide 255: the longer
 * one is taken, so nothing either source allows is refused. The guide allows up to 20 attributes.
 */
const userAttribute = z.looseObject({
  name: z.string().max(255),
  description: z.string(),
  is_optional: z.boolean(),
});
const userAttributes = z.array(userAttribute).max(20);

const profileFields = {
  name: z.string().min(1).max(100),
  description: z.string().min(1).max(140),
  branding,
  allowed_strategies: strategies,
  user_attributes: userAttributes,
  user_attribute_profile_id: z.string(),
};

export const CreateSelfServiceProfileBody = z.object({
  name: profileFields.name,
  description: profileFields.description.optional(),
  branding: branding.optional(),
  allowed_strategies: strategies.optional(),
  user_attributes: userAttributes.optional(),
  user_attribute_profile_id: profileFields.user_attribute_profile_id.optional(),
});
export type CreateSelfServiceProfileBody = z.output<typeof CreateSelfServiceProfileBody>;

/** PATCH: every field optional; `description`, `branding`, `user_attributes` and `user_attribute_profile_id` take null (clears them). */
export const UpdateSelfServiceProfileBody = z.object({
  name: profileFields.name.optional(),
  description: profileFields.description.nullable().optional(),
  branding: branding.nullable().optional(),
  allowed_strategies: strategies.optional(),
  user_attributes: userAttributes.nullable().optional(),
  user_attribute_profile_id: profileFields.user_attribute_profile_id.nullable().optional(),
});

/** The fields a profile keeps (what create and PATCH write). */
export const PROFILE_FIELDS = Object.keys(profileFields);

/** Custom text: string keys → strings of at most 2000 characters. */
export const CustomTextBody = z.record(z.string(), z.string().max(2000));

/** `language` (only `en`) and `page` (only `get-started`) of the custom-text paths. */
export const CustomTextPath = z.object({
  id: z.string(),
  language: z.enum(['en']),
  page: z.enum(['get-started']),
});

// ------------------------------------------------------------------------------------------------
// SSO access tickets

const idpInitiated = z.looseObject({
  enabled: z.boolean().optional(),
  client_id: z.string().optional(),
  client_protocol: z.enum(['samlp', 'wsfed', 'oauth2']).optional(),
  client_authorizequery: z.string().max(256).optional(),
});

/** `SelfServiceProfileSsoTicketConnectionConfig`: `name` required. */
const connectionConfig = z.looseObject({
  name: z.string().min(1).max(CONNECTION_NAME_MAX).regex(CONNECTION_NAME_PATTERN),
  display_name: z.string().max(128).optional(),
  is_domain_connection: z.boolean().optional(),
  show_as_button: z.boolean().optional(),
  metadata: z.record(z.string(), z.string().max(255).nullable()).superRefine(propertyCount(0, 10)).optional(),
  options: z
    .looseObject({
      icon_url: z.string().regex(HTTPS).nullable().optional(),
      domain_aliases: z.array(z.string().min(1).max(255)).nullable().optional(),
      idpinitiated: idpInitiated.nullable().optional(),
    })
    .nullable()
    .optional(),
});

/** `SelfServiceProfileSsoTicketEnabledOrganization`: `organization_id` required, at most 50 characters. */
const enabledOrganization = z.looseObject({
  organization_id: z.string().max(50),
  assign_membership_on_login: z.boolean().optional(),
  show_as_button: z.boolean().optional(),
});

const PROVISIONING_SCOPES = [
  'get:users',
  'post:users',
  'put:users',
  'patch:users',
  'delete:users',
  'get:groups',
  'post:groups',
  'put:groups',
  'patch:groups',
  'delete:groups',
] as const;

/** `CreateSelfServiceProfileSsoTicketRequestContent` (`additionalProperties: false`). */
export const CreateSsoTicketBody = z.strictObject({
  connection_id: z.string().min(1).max(50).optional(),
  connection_config: connectionConfig.optional(),
  enabled_clients: z.array(z.string()).optional(),
  enabled_organizations: z.array(enabledOrganization).optional(),
  ttl_sec: z.int().min(0).max(MAX_TICKET_TTL_SEC).optional(),
  domain_aliases_config: z
    .looseObject({
      domain_verification: z.enum(['none', 'optional', 'required']),
      pending_domains: z.array(z.string().min(1).max(255)).optional(),
    })
    .optional(),
  provisioning_config: z
    .looseObject({
      scopes: z.array(z.enum(PROVISIONING_SCOPES)).min(1).optional(),
      google_workspace: z
        .looseObject({ sync_users: z.boolean(), sync_groups: z.boolean().optional() })
        .optional(),
      token_lifetime: z.int().min(900).nullable().optional(),
    })
    .optional(),
  use_for_organization_discovery: z.boolean().optional(),
  // "If present, must contain at least one property, cannot be null or empty" (the guide).
  enabled_features: z
    .looseObject({
      sso: z.boolean().optional(),
      domain_verification: z.boolean().optional(),
      provisioning: z.boolean().optional(),
    })
    .superRefine(propertyCount(1, Number.POSITIVE_INFINITY))
    .optional(),
  third_party_client_access_config: z.looseObject({ allow_configuration: z.boolean() }).optional(),
});
export type CreateSsoTicketBody = z.output<typeof CreateSsoTicketBody>;
