import { z } from 'zod';
import type { ConnectionChange } from '../../core/adapter.js';
import { UNKNOWN_HEALTH, type ConnectionStatus, type UpstreamConnection } from '../../core/connection.js';
import {
  ORGANIZATION_ACCESS_LEVELS,
  type Auth0CreateOrganizationConnectionBody,
  type Auth0OrganizationConnection,
  type Auth0UpdateOrganizationConnectionBody,
} from './api-types.js';

/**
 * The one place where Auth0's organization connection and the canonical connection meet
 * (contract §4, auth0 column), plus the canonical schemas of what a caller may write.
 */

const noNul = (s: string): boolean => !s.includes('\0');

/** `organization_connection_name`: 1–50 characters, no NUL (auth0.md §4.1). */
export const nameValue = z.string().min(1).max(50).refine(noNul, 'must not contain NUL characters');

/** The writable options of an organization connection; each optional, nothing else allowed. */
export const settingsSchema = z.strictObject({
  assign_membership_on_login: z.boolean().optional(),
  show_as_button: z.boolean().optional(),
  is_signup_enabled: z.boolean().optional(),
  organization_access_level: z.enum(ORGANIZATION_ACCESS_LEVELS).optional(),
});
export type Auth0Settings = z.infer<typeof settingsSchema>;
export const SETTING_KEYS = ['assign_membership_on_login', 'show_as_button', 'is_signup_enabled', 'organization_access_level'] as const;

/** Statuses a caller may set: `is_enabled` true/false. */
export const WRITABLE_STATUS = ['active', 'disabled'] as const satisfies readonly ConnectionStatus[];

/** The create body minus `provider` (contract §5.1): attach an existing tenant connection. */
export const createSchema = z.strictObject({
  external_connection_id: z.string().min(1).max(50),
  name: nameValue.optional(),
  settings: settingsSchema.optional(),
  status: z.enum(WRITABLE_STATUS).optional(),
});
export type Auth0CreateInput = z.infer<typeof createSchema>;

export function toUpstreamConnection(oc: Auth0OrganizationConnection): UpstreamConnection {
  const settings: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) if (oc[key] !== undefined) settings[key] = oc[key];
  const connectionName = oc.connection?.name ?? null;
  return {
    external_id: oc.connection_id,
    kind: oc.connection?.strategy ?? 'unknown',
    name: oc.organization_connection_name ?? connectionName,
    status: oc.is_enabled === false ? 'disabled' : 'active',
    health: { ...UNKNOWN_HEALTH },
    credentials: { configured: false, type: null, updated_at: null },
    settings,
    details: { connection_name: connectionName },
    created_at: null,
    updated_at: null,
  };
}

export function toCreateBody(input: Auth0CreateInput): Auth0CreateOrganizationConnectionBody {
  return {
    connection_id: input.external_connection_id,
    ...(input.name !== undefined ? { organization_connection_name: input.name } : {}),
    ...settingsBody(input.settings),
    ...(input.status !== undefined ? { is_enabled: input.status === 'active' } : {}),
  };
}

/** A change whose settings were checked against `settingsSchema`. */
export interface Auth0Change {
  name?: ConnectionChange['name'];
  status?: ConnectionChange['status'];
  settings?: Auth0Settings;
}

/** Only the changed fields; `name: null` clears the organization-scoped name. */
export function toUpdateBody(change: Auth0Change): Auth0UpdateOrganizationConnectionBody {
  const body: Auth0UpdateOrganizationConnectionBody = {};
  if (change.name !== undefined) body.organization_connection_name = change.name;
  if (change.status !== undefined) body.is_enabled = change.status === 'active';
  return { ...body, ...settingsBody(change.settings) };
}

function settingsBody(settings: Auth0Settings | undefined): Partial<Auth0CreateOrganizationConnectionBody> {
  const out: Partial<Auth0CreateOrganizationConnectionBody> = {};
  if (!settings) return out;
  for (const key of SETTING_KEYS) {
    const v = settings[key];
    if (v !== undefined) Object.assign(out, { [key]: v });
  }
  return out;
}
