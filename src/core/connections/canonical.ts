import type { ProviderAdapter } from '../adapter.js';
import type { Connection, UpstreamConnection } from '../connection.js';
import { etagOfJson } from '../etag.js';
import type { ConnectionRow, CredentialMeta } from '../storage.js';

/** A canonical connection with its strong validator, and its JSON (written once: the ETag is its hash). */
export interface Versioned {
  connection: Connection;
  etag: string;
  json: string;
}

/**
 * The canonical connection (contract §4): what the adapter knows of the upstream connection plus
 * what only the gateway knows (its id, organization, provider, whether it holds a sealed copy).
 */
export function canonicalConnection(
  row: ConnectionRow,
  adapter: ProviderAdapter,
  u: UpstreamConnection,
  stored: CredentialMeta | null,
): Connection {
  return {
    id: row.id,
    organization_id: row.organization_id,
    provider: adapter.id,
    provider_type: adapter.type,
    kind: u.kind,
    name: u.name,
    status: u.status,
    health: u.health,
    credentials: {
      configured: u.credentials.configured || stored !== null,
      stored: stored !== null,
      type: stored?.credential_type ?? u.credentials.type,
      updated_at: stored?.updated_at ?? u.credentials.updated_at,
    },
    settings: u.settings,
    details: u.details,
    external: { connection_id: u.external_id, organization_id: row.external_org_id },
    end_user: row.end_user ?? null,
    metadata: row.end_user ? (row.metadata ?? null) : null,
    created_at: u.created_at,
    updated_at: u.updated_at,
  };
}

export function versioned(connection: Connection): Versioned {
  const json = JSON.stringify(connection);
  return { connection, etag: etagOfJson(json), json };
}
