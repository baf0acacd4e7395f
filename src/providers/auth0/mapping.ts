import { z } from 'zod';
import type { ConnectionChange } from '../../core/adapter.js';
import { segmentIssue } from '../../core/segment.js';
import { UNKNOWN_HEALTH, type ConnectionStatus, type UpstreamConnection } from '../../core/connection.js';
import {
  ORGANIZATION_ACCESS_LEVELS,
  type Auth0AddEnabledConnectionBody,
  type Auth0CreateOrganizationConnectionBody,
  type Auth0OrganizationConnection,
  type Auth0UpdateEnabledConnectionBody,
  type Auth0UpdateOrganizationConnectionBody,
} from './api-types.js';

/**
 * The one place where Auth0's organization connection and the canonical connection meet
 * (contract §4, auth0 column), for both families, plus the canonical schemas of what a caller may
 * write in each. Pure: no I/O, no config.
 */

const noNul = (s: string): boolean => !s.includes('\0');

/** `organization_connection_name`: 1–50 characters, no NUL (docs/providers/auth0.md §4.1). */
export const nameValue = z.string().min(1).max(50).refine(noNul, 'must not contain NUL characters');

/** The settings both families have. */
const gaSettingShape = {
  assign_membership_on_login: z.boolean().optional(),
  show_as_button: z.boolean().optional(),
  is_signup_enabled: z.boolean().optional(),
};
const accessLevel = z.enum(ORGANIZATION_ACCESS_LEVELS);

/** EA settings on create: the access level is one of the enum (Auth0's create body takes no null). */
export const eaCreateSettingsSchema = z.strictObject({
  ...gaSettingShape,
  organization_access_level: accessLevel.optional(),
});
/** EA settings on PATCH/PUT: `organization_access_level: null` clears it (Auth0's PATCH takes null). */
export const eaSettingsSchema = z.strictObject({
  ...gaSettingShape,
  organization_access_level: accessLevel.nullable().optional(),
});
/** GA settings: the three fields `enabled_connections` has. */
export const gaSettingsSchema = z.strictObject(gaSettingShape);

export type Auth0Settings = z.infer<typeof eaSettingsSchema>;

export const GA_SETTING_KEYS = ['assign_membership_on_login', 'show_as_button', 'is_signup_enabled'] as const;
export const EA_SETTING_KEYS = [...GA_SETTING_KEYS, 'organization_access_level'] as const;
/** Settings the EA family has and the GA family lacks. */
export const EA_ONLY_SETTING_KEYS = ['organization_access_level'] as const;

/** Statuses a caller may set on the EA family: `is_enabled` true/false. The GA family has none. */
export const WRITABLE_STATUS = ['active', 'disabled'] as const satisfies readonly ConnectionStatus[];

/**
 * Auth0's `connection_id` (1–50 characters): the attached connection's id at Auth0, and so a
 * segment of every later path of it; one that cannot be (`..`, a separator) is 400 here.
 */
const externalConnectionId = z.string().min(1, { abort: true }).max(50).superRefine(segmentIssue);

/** The EA create body minus `provider` (contract §5.1): attach an existing tenant connection. */
export const eaCreateSchema = z.strictObject({
  external_connection_id: externalConnectionId,
  name: nameValue.optional(),
  settings: eaCreateSettingsSchema.optional(),
  status: z.enum(WRITABLE_STATUS).optional(),
});
export type Auth0CreateInput = z.infer<typeof eaCreateSchema>;

/** The GA create body: no name and no status (the core answers 422 for them before this runs). */
export const gaCreateSchema = z.strictObject({
  external_connection_id: externalConnectionId,
  settings: gaSettingsSchema.optional(),
});
export type Auth0GaCreateInput = z.infer<typeof gaCreateSchema>;

/** A change whose settings were checked against the family's settings schema. */
export interface Auth0Change {
  name?: ConnectionChange['name'];
  status?: ConnectionChange['status'];
  settings?: Auth0Settings;
}

// ------------------------------------------------------------------------------------------------
// Upstream → canonical

function toConnection(
  oc: Auth0OrganizationConnection,
  keys: readonly (keyof Auth0OrganizationConnection)[],
  name: string | null,
  status: ConnectionStatus,
): UpstreamConnection {
  const settings: Record<string, unknown> = {};
  for (const key of keys) if (oc[key] !== undefined) settings[key] = oc[key];
  return {
    external_id: oc.connection_id,
    kind: oc.connection?.strategy ?? 'unknown',
    name,
    status,
    health: { ...UNKNOWN_HEALTH },
    credentials: { configured: false, type: null, updated_at: null },
    settings,
    details: { connection_name: oc.connection?.name ?? null },
    created_at: null,
    updated_at: null,
  };
}

/** EA: the organization-scoped name, else the tenant connection's; `is_enabled` false → disabled, else (also absent) active. */
export function toUpstreamConnection(oc: Auth0OrganizationConnection): UpstreamConnection {
  return toConnection(
    oc,
    EA_SETTING_KEYS,
    oc.organization_connection_name ?? oc.connection?.name ?? null,
    oc.is_enabled === false ? 'disabled' : 'active',
  );
}

/** GA: the tenant connection's name, always active (an enablement exists or it does not), the three GA settings. */
export function toUpstreamEnabledConnection(oc: Auth0OrganizationConnection): UpstreamConnection {
  return toConnection(oc, GA_SETTING_KEYS, oc.connection?.name ?? null, 'active');
}

// ------------------------------------------------------------------------------------------------
// Canonical → upstream request bodies

/** The settings in `keys` that are present, keeping `null` (an EA PATCH clears with it). */
function settingsBody<S extends object, K extends keyof S>(
  settings: S | undefined,
  keys: readonly K[],
): { [P in K]?: Exclude<S[P], undefined> } {
  const out: { [P in K]?: Exclude<S[P], undefined> } = {};
  for (const key of keys) {
    const value = settings?.[key];
    if (value !== undefined) out[key] = value as Exclude<S[K], undefined>;
  }
  return out;
}

export function toCreateBody(input: Auth0CreateInput): Auth0CreateOrganizationConnectionBody {
  return {
    connection_id: input.external_connection_id,
    ...(input.name !== undefined ? { organization_connection_name: input.name } : {}),
    ...settingsBody(input.settings, EA_SETTING_KEYS),
    ...(input.status !== undefined ? { is_enabled: input.status === 'active' } : {}),
  };
}

/** Only the changed fields; `name: null` clears the organization-scoped name, an access level of null clears it. */
export function toUpdateBody(change: Auth0Change): Auth0UpdateOrganizationConnectionBody {
  const body: Auth0UpdateOrganizationConnectionBody = {};
  if (change.name !== undefined) body.organization_connection_name = change.name;
  if (change.status !== undefined) body.is_enabled = change.status === 'active';
  return { ...body, ...settingsBody(change.settings, EA_SETTING_KEYS) };
}

/** GA add body: `{connection_id, assign_membership_on_login?, is_signup_enabled?, show_as_button?}`. */
export function toAddBody(input: Auth0GaCreateInput): Auth0AddEnabledConnectionBody {
  return { connection_id: input.external_connection_id, ...settingsBody(input.settings, GA_SETTING_KEYS) };
}

/** GA PATCH body: only the three GA settings (name, status and access level never reach here: 422 first). */
export function toEnabledConnectionUpdateBody(change: Auth0Change): Auth0UpdateEnabledConnectionBody {
  return settingsBody(change.settings, GA_SETTING_KEYS);
}
