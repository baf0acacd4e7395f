/** Versioned SQLite migrations; each runs once, in its own transaction, in order. Append only. */
export const SQLITE_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'initial',
    sql: `
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
        nonce BLOB NOT NULL,
        ciphertext BLOB NOT NULL,
        credential_type TEXT,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
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
    sql: `
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
    sql: `
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
        nonce BLOB,
        ciphertext BLOB,
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
];
