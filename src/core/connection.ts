import { z } from 'zod';

/** The canonical connection (contract §4). The wire model: snake_case here too. */

export const CONNECTION_STATUSES = ['pending', 'active', 'paused', 'disabled', 'deleted'] as const;
export const ConnectionStatus = z.enum(CONNECTION_STATUSES);
export type ConnectionStatus = z.infer<typeof ConnectionStatus>;

export const HEALTH_STATUSES = ['healthy', 'degraded', 'unhealthy', 'unknown'] as const;
export const HealthStatus = z.enum(HEALTH_STATUSES);
export type HealthStatus = z.infer<typeof HealthStatus>;

export const Health = z.object({
  status: HealthStatus,
  description: z.string().nullable(),
  resolution_owner: z.string().nullable(),
});
export type Health = z.infer<typeof Health>;

export const CredentialsInfo = z.object({
  configured: z.boolean(),
  stored: z.boolean(),
  type: z.string().nullable(),
  updated_at: z.string().nullable(),
});
export type CredentialsInfo = z.infer<typeof CredentialsInfo>;

/** Who a connection was made for: the end user of the connect session it came from (contract §10). */
export const EndUser = z.object({
  id: z.string(),
  email: z.string().nullable(),
  display_name: z.string().nullable(),
});
export type EndUser = z.infer<typeof EndUser>;

/** A caller's own values carried by a connect session and the connection made through it (at most 4 KiB of JSON). */
export const Metadata = z.record(z.string(), z.unknown());
export type Metadata = z.infer<typeof Metadata>;

export const Connection = z.object({
  id: z.string(),
  organization_id: z.string(),
  provider: z.string(),
  provider_type: z.string(),
  kind: z.string(),
  name: z.string().nullable(),
  status: ConnectionStatus,
  health: Health,
  credentials: CredentialsInfo,
  settings: z.record(z.string(), z.unknown()),
  details: z.record(z.string(), z.unknown()),
  external: z.object({ connection_id: z.string(), organization_id: z.string() }),
  /** From the connect session the connection was made (or last reconnected) through; null otherwise. */
  end_user: EndUser.nullable(),
  metadata: Metadata.nullable(),
  created_at: z.string().nullable(),
  updated_at: z.string().nullable(),
});
export type Connection = z.infer<typeof Connection>;

/**
 * What an adapter knows of one upstream connection, already in canonical terms. The gateway adds
 * the parts only it knows (id, organization, provider, whether it stores credentials).
 */
export interface UpstreamConnection {
  external_id: string;
  kind: string;
  name: string | null;
  status: ConnectionStatus;
  health: Health;
  credentials: { configured: boolean; type: string | null; updated_at: string | null };
  settings: Record<string, unknown>;
  details: Record<string, unknown>;
  created_at: string | null;
  updated_at: string | null;
}

export const UNKNOWN_HEALTH: Health = { status: 'unknown', description: null, resolution_owner: null };

/** A provider's sync job, as `GET /{id}/jobs` returns it. */
export interface Job {
  id: string;
  status: string;
  type: string | null;
  started_at: string | null;
  finished_at: string | null;
  detail: string | null;
}
