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
    created_at: string;
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
  schema_migrations: { version: number; name: string; applied_at: string };
}
