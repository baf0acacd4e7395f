/**
 * Versioned migrations, one list for both backends: each is one SQL text, where the engines differ
 * only in the types `t` names (sealed bytes, the events' sequence). Each runs once, in order, in a
 * transaction (PostgreSQL: all of them in one, under an advisory lock, so replicas starting at
 * once migrate once). Append only: a migration's SQLite text is what SQLite databases already ran.
 */
export interface DialectTypes {
  /** Raw bytes. */
  bytes: string;
  /** An integer primary key that counts up on insert. */
  serial: string;
}

export const TYPES: Record<'sqlite' | 'postgres', DialectTypes> = {
  sqlite: { bytes: 'BLOB', serial: 'INTEGER PRIMARY KEY AUTOINCREMENT' },
  postgres: { bytes: 'BYTEA', serial: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY' },
};

export interface Migration {
  version: number;
  name: string;
  sql: (t: DialectTypes) => string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: (t) => `
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

      CREATE TABLE organizations (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        links TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE connections (
        id TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL,
        provider_id TEXT NOT NULL,
        external_org_id TEXT NOT NULL,
        external_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        created_at TEXT NOT NULL,
        deleted_at TEXT
      );
      -- one live row per upstream connection and gateway organization; tombstones keep their ids
      CREATE UNIQUE INDEX connections_live_upstream
        ON connections (organization_id, provider_id, external_org_id, external_id) WHERE deleted_at IS NULL;

      CREATE TABLE credentials (
        connection_id TEXT PRIMARY KEY REFERENCES connections(id),
        organization_id TEXT NOT NULL,
        key_id TEXT NOT NULL,
        nonce ${t.bytes} NOT NULL,
        ciphertext ${t.bytes} NOT NULL,
        credential_type TEXT,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE events (
        seq ${t.serial},
        id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        organization_id TEXT NOT NULL,
        connection_id TEXT,
        actor TEXT NOT NULL,
        changed TEXT NOT NULL,
        request_id TEXT,
        at TEXT NOT NULL
      );
      CREATE INDEX events_by_org ON events (organization_id, seq);
    `,
  },
  {
    version: 2,
    name: 'api keys',
    sql: () => `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        organization_ids TEXT NOT NULL,
        scopes TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      );
      -- gateway-wide events (API keys) have organization_id '' and name the key
      ALTER TABLE events ADD COLUMN api_key_id TEXT;
    `,
  },
  {
    version: 3,
    name: 'create intents and idempotency keys',
    sql: (t) => `
      -- a connection create committed before its upstream call; gone once the connection is
      -- recorded (or known not to exist upstream)
      CREATE TABLE create_intents (
        id TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL,
        provider_id TEXT NOT NULL,
        external_org_id TEXT NOT NULL,
        expected TEXT NOT NULL,
        changed TEXT NOT NULL,
        key_id TEXT,
        nonce ${t.bytes},
        ciphertext ${t.bytes},
        credential_type TEXT,
        actor TEXT NOT NULL,
        request_id TEXT,
        idempotency TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX create_intents_by_scope ON create_intents (organization_id, provider_id, external_org_id);

      CREATE TABLE idempotency_keys (
        owner TEXT NOT NULL,
        key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        created_at TEXT NOT NULL,
        status INTEGER,
        headers TEXT,
        body TEXT,
        PRIMARY KEY (owner, key)
      );
    `,
  },
  {
    version: 4,
    name: 'organization lives and connection leases',
    // An organization's event list starts at its latest organization.created: found by this index
    // (no per-process memory, which another replica's delete and re-create would make stale).
    sql: () => `
      CREATE INDEX events_by_org_type ON events (organization_id, type, seq);

      -- the per-connection lock across replicas (PostgreSQL; SQLite's is in-process): a lease with an
      -- expiry, renewed while held; a replica that dies holding one blocks the others until it expires
      CREATE TABLE connection_leases (
        connection_id TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: 'events out: webhooks, deliveries and connection snapshots',
    // An event keeps what its webhook payload carries beside its fields: the extra fields of its
    // type (`data`) and the canonical connection as it was after the event (`connection`). A
    // delivery is written with its event (the outbox); a connection's snapshot is what the gateway
    // last saw of it, which the monitor compares with what a provider says now.
    sql: (t) => `
      ALTER TABLE events ADD COLUMN data TEXT;
      ALTER TABLE events ADD COLUMN connection TEXT;

      CREATE TABLE webhook_endpoints (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        organization_ids TEXT NOT NULL,
        description TEXT,
        status TEXT NOT NULL,
        disabled_reason TEXT,
        key_id TEXT NOT NULL,
        nonce ${t.bytes} NOT NULL,
        ciphertext ${t.bytes} NOT NULL,
        previous_key_id TEXT,
        previous_nonce ${t.bytes},
        previous_ciphertext ${t.bytes},
        previous_expires_at TEXT,
        failing_since TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY,
        endpoint_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at TEXT,
        lease_owner TEXT,
        lease_until TEXT,
        last_attempt_at TEXT,
        last_status_code INTEGER,
        last_error TEXT,
        last_duration_ms REAL,
        created_at TEXT NOT NULL,
        delivered_at TEXT
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
      CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at, id);

      CREATE TABLE connection_snapshots (
        connection_id TEXT PRIMARY KEY,
        snapshot TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE monitor_state (
        provider_id TEXT PRIMARY KEY,
        last_pass_at TEXT,
        last_pass_ms REAL,
        next_pass_at TEXT,
        last_error TEXT
      );
    `,
  },
  {
    version: 6,
    name: 'connect sessions, and who a connection was made for',
    // A connection made through a connect session carries its end user and metadata (JSON text,
    // null otherwise), and so does the create intent it is made from. A session keeps only a
    // SHA-256 of its token; the submission window counts the page's submits (10 a minute).
    sql: () => `
      ALTER TABLE connections ADD COLUMN end_user TEXT;
      ALTER TABLE connections ADD COLUMN metadata TEXT;
      ALTER TABLE create_intents ADD COLUMN end_user TEXT;
      ALTER TABLE create_intents ADD COLUMN metadata TEXT;

      CREATE TABLE connect_sessions (
        id TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        end_user TEXT NOT NULL,
        metadata TEXT,
        allowed TEXT NOT NULL,
        connection_id TEXT,
        return_url TEXT NOT NULL,
        flow TEXT NOT NULL,
        status TEXT NOT NULL,
        result_connection_id TEXT,
        attempt_connection_id TEXT,
        error TEXT,
        window_started_at TEXT,
        window_count INTEGER NOT NULL,
        actor TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        completed_at TEXT,
        revoked_at TEXT
      );
      CREATE INDEX connect_sessions_by_org ON connect_sessions (organization_id, id);
    `,
  },
  {
    version: 7,
    name: 'provider-hosted connect flows',
    // A session with flow "provider": what its provider flow hands the end user (an invite token,
    // a ticket URL) and what revoking and recognising need (a ticket id), sealed like credentials;
    // and when it started. Pending provider flows are looked up per organization on every list pass.
    sql: (t) => `
      ALTER TABLE connect_sessions ADD COLUMN provider_id TEXT;
      ALTER TABLE connect_sessions ADD COLUMN flow_key_id TEXT;
      ALTER TABLE connect_sessions ADD COLUMN flow_nonce ${t.bytes};
      ALTER TABLE connect_sessions ADD COLUMN flow_ciphertext ${t.bytes};
      ALTER TABLE connect_sessions ADD COLUMN flow_started_at TEXT;
      CREATE INDEX connect_sessions_pending_flows ON connect_sessions (organization_id, provider_id, status);
    `,
  },
];
