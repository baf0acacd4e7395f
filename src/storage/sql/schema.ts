import type { Generated } from 'kysely';

/**
 * The tables as both backends hold them (kysely's view). Times are RFC 3339 text, JSON values are
 * text, sealed bytes are BLOB (SQLite) / BYTEA (PostgreSQL): the same rows on either backend.
 */
export interface Tables {
  settings: { key: string; value: string };
  organizations: { id: string; name: string; links: string; created_at: string; updated_at: string };
  connections: {
    id: string;
    organization_id: string;
    provider_id: string;
    external_org_id: string;
    external_id: string;
    kind: string;
    created_at: string;
    deleted_at: string | null;
    end_user: string | null;
    metadata: string | null;
  };
  credentials: {
    connection_id: string;
    organization_id: string;
    key_id: string;
    nonce: Buffer;
    ciphertext: Buffer;
    credential_type: string | null;
    updated_at: string;
  };
  events: {
    seq: Generated<number>;
    id: string;
    type: string;
    organization_id: string;
    connection_id: string | null;
    api_key_id: string | null;
    actor: string;
    changed: string;
    request_id: string | null;
    at: string;
    data: string | null;
    connection: string | null;
  };
  api_keys: {
    id: string;
    name: string;
    organization_ids: string;
    scopes: string;
    key_hash: string;
    created_at: string;
    revoked_at: string | null;
  };
  create_intents: {
    id: string;
    organization_id: string;
    provider_id: string;
    external_org_id: string;
    expected: string;
    changed: string;
    key_id: string | null;
    nonce: Buffer | null;
    ciphertext: Buffer | null;
    credential_type: string | null;
    actor: string;
    request_id: string | null;
    idempotency: string | null;
    end_user: string | null;
    metadata: string | null;
    created_at: string;
  };
  connect_sessions: {
    id: string;
    organization_id: string;
    token_hash: string;
    end_user: string;
    metadata: string | null;
    allowed: string;
    connection_id: string | null;
    return_url: string;
    flow: string;
    status: string;
    result_connection_id: string | null;
    attempt_connection_id: string | null;
    error: string | null;
    window_started_at: string | null;
    window_count: number;
    actor: string;
    created_at: string;
    expires_at: string;
    completed_at: string | null;
    revoked_at: string | null;
    provider_id: string | null;
    flow_key_id: string | null;
    flow_nonce: Buffer | null;
    flow_ciphertext: Buffer | null;
    flow_started_at: string | null;
  };
  idempotency_keys: {
    owner: string;
    key: string;
    fingerprint: string;
    created_at: string;
    status: number | null;
    headers: string | null;
    body: string | null;
  };
  webhook_endpoints: {
    id: string;
    url: string;
    events: string;
    organization_ids: string;
    description: string | null;
    status: string;
    disabled_reason: string | null;
    key_id: string;
    nonce: Buffer;
    ciphertext: Buffer;
    previous_key_id: string | null;
    previous_nonce: Buffer | null;
    previous_ciphertext: Buffer | null;
    previous_expires_at: string | null;
    failing_since: string | null;
    created_at: string;
    updated_at: string;
  };
  webhook_deliveries: {
    id: string;
    endpoint_id: string;
    event_id: string;
    event_type: string;
    status: string;
    attempts: number;
    next_attempt_at: string | null;
    lease_owner: string | null;
    lease_until: string | null;
    last_attempt_at: string | null;
    last_status_code: number | null;
    last_error: string | null;
    last_duration_ms: number | null;
    created_at: string;
    delivered_at: string | null;
  };
  connection_snapshots: { connection_id: string; snapshot: string; updated_at: string };
  monitor_state: {
    provider_id: string;
    last_pass_at: string | null;
    last_pass_ms: number | null;
    next_pass_at: string | null;
    last_error: string | null;
  };
  schema_migrations: { version: number; name: string; applied_at: string };
}
