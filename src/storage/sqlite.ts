import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { KeyedMutex } from './keyed-mutex.js';
import { SQLITE_MIGRATIONS } from './migrations/sqlite.js';
import type {
  ApiKeyRow, ConnectionCandidate, ConnectionLookup, CreateIntentRow, IdempotencyClaim, IdempotencyRecord, IdempotentAnswer, ConnectionRow, CredentialMeta, EventRow, NewEvent, OrganizationRow, SealedCredentialRow, Storage,
} from './storage.js';

type OrgDbRow = Omit<OrganizationRow, 'links'> & { links: string };
type EventDbRow = Omit<EventRow, 'changed'> & { changed: string };

/**
 * Embedded storage on better-sqlite3. WAL journal, synchronous writes wrapped in transactions, so
 * a crash mid-write leaves no half row. The per-connection lock is in-process: one SQLite file
 * serves one gateway process (use PostgreSQL to run several replicas).
 */
export class SqliteStorage implements Storage {
  readonly backend = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #locks = new KeyedMutex();
  /** Prepared once, reused on every call: preparing is a large share of a read's cost. */
  readonly #statements = new Map<string, Database.Statement>();

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('foreign_keys = ON');
    this.#migrate();
  }

  /** `sqlite:./data/x.db` or `sqlite::memory:` */
  static fromUrl(url: string): SqliteStorage {
    return new SqliteStorage(url.replace(/^sqlite:(\/\/)?/, ''));
  }

  #migrate(): void {
    this.#db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const applied = new Set(this.#db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
    for (const m of SQLITE_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      this.#db.transaction(() => {
        this.#db.exec(m.sql);
        this.#db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      })();
    }
  }

  async ping(): Promise<void> {
    this.#stmt('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  async getOrInitSetting(key: string, init: () => string): Promise<string> {
    this.#stmt('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)').run(key, init());
    return this.#stmt('SELECT value FROM settings WHERE key = ?').pluck().get(key) as string;
  }

  async createOrganization(row: OrganizationRow): Promise<boolean> {
    const r = this.#stmt('INSERT OR IGNORE INTO organizations (id, name, links, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
      .run(row.id, row.name, JSON.stringify(row.links), row.created_at, row.updated_at);
    return r.changes === 1;
  }

  async getOrganization(id: string): Promise<OrganizationRow | null> {
    const r = this.#stmt('SELECT * FROM organizations WHERE id = ?').get(id) as OrgDbRow | undefined;
    return r ? toOrg(r) : null;
  }

  async listOrganizations(afterId: string | null, limit: number): Promise<OrganizationRow[]> {
    const rows = this.#stmt('SELECT * FROM organizations WHERE id > ? ORDER BY id LIMIT ?').all(afterId ?? '', limit) as OrgDbRow[];
    return rows.map(toOrg);
  }

  async updateOrganization(row: OrganizationRow): Promise<void> {
    this.#stmt('UPDATE organizations SET name = ?, links = ?, updated_at = ? WHERE id = ?')
      .run(row.name, JSON.stringify(row.links), row.updated_at, row.id);
  }

  async deleteOrganization(id: string): Promise<boolean> {
    return this.#stmt('DELETE FROM organizations WHERE id = ?').run(id).changes === 1;
  }

  async getConnection(id: string): Promise<ConnectionRow | null> {
    return (this.#stmt('SELECT * FROM connections WHERE id = ?').get(id) as ConnectionRow | undefined) ?? null;
  }

  async ensureConnections(candidates: ConnectionCandidate[], now: string): Promise<ConnectionRow[]> {
    const find = this.#stmt(`SELECT * FROM connections WHERE organization_id = ? AND provider_id = ? AND external_org_id = ?
      AND external_id = ? AND deleted_at IS NULL`);
    const insert = this.#stmt(`INSERT INTO connections (id, organization_id, provider_id, external_org_id, external_id, kind, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
    return this.#db.transaction(() => candidates.map((c) => {
      const found = find.get(c.organization_id, c.provider_id, c.external_org_id, c.external_id) as ConnectionRow | undefined;
      if (found) return found;
      insert.run(c.new_id, c.organization_id, c.provider_id, c.external_org_id, c.external_id, c.kind, now);
      return { id: c.new_id, organization_id: c.organization_id, provider_id: c.provider_id, external_org_id: c.external_org_id,
        external_id: c.external_id, kind: c.kind, created_at: now, deleted_at: null };
    }))();
  }

  async insertConnection(row: ConnectionRow, credential: SealedCredentialRow | null, event: NewEvent): Promise<void> {
    this.#db.transaction(() => {
      this.#stmt(`INSERT INTO connections (id, organization_id, provider_id, external_org_id, external_id, kind, created_at, deleted_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(row.id, row.organization_id, row.provider_id, row.external_org_id, row.external_id, row.kind, row.created_at, row.deleted_at);
      if (credential) this.#putCredential(credential);
      this.#insertEvent(event);
    })();
  }

  async recordConnectionUpdate(credential: SealedCredentialRow | null, event: NewEvent): Promise<void> {
    this.#db.transaction(() => {
      if (credential) this.#putCredential(credential);
      this.#insertEvent(event);
    })();
  }

  async markConnectionDeleted(id: string, at: string, event: NewEvent | null): Promise<void> {
    this.#db.transaction(() => {
      this.#stmt('DELETE FROM credentials WHERE connection_id = ?').run(id);
      this.#stmt('UPDATE connections SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL').run(at, id);
      if (event) this.#insertEvent(event);
    })();
  }

  async getCredential(connectionId: string): Promise<SealedCredentialRow | null> {
    return (this.#stmt('SELECT * FROM credentials WHERE connection_id = ?').get(connectionId) as SealedCredentialRow | undefined) ?? null;
  }

  async credentialMeta(connectionIds: string[]): Promise<Map<string, CredentialMeta>> {
    const out = new Map<string, CredentialMeta>();
    if (connectionIds.length === 0) return out;
    // One connection (every single read) by its key; a list page's in one statement.
    const rows = (connectionIds.length === 1
      ? this.#stmt('SELECT connection_id, credential_type, updated_at FROM credentials WHERE connection_id = ?').all(connectionIds[0])
      : this.#stmt(`SELECT connection_id, credential_type, updated_at FROM credentials
      WHERE connection_id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(connectionIds))) as CredentialMeta[];
    for (const r of rows) out.set(r.connection_id, r);
    return out;
  }

  async listEvents(organizationId: string, afterId: string | null, limit: number): Promise<EventRow[] | null> {
    let afterSeq = 0;
    if (afterId !== null) {
      const seq = this.#stmt('SELECT seq FROM events WHERE id = ? AND organization_id = ?').pluck().get(afterId, organizationId) as number | undefined;
      if (seq === undefined) return null;
      afterSeq = seq;
    }
    const rows = this.#stmt('SELECT * FROM events WHERE organization_id = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(organizationId, afterSeq, limit) as EventDbRow[];
    return rows.map(({ api_key_id: keyId, ...r }) => ({ ...r, ...(keyId ? { api_key_id: keyId } : {}), changed: JSON.parse(r.changed) as string[] }));
  }

  async getConnectionWithOrganization(organizationId: string, connectionId: string): Promise<ConnectionLookup | null> {
    const r = this.#stmt(`SELECT o.id AS o_id, o.name AS o_name, o.links AS o_links, o.created_at AS o_created_at, o.updated_at AS o_updated_at,
        c.id, c.organization_id, c.provider_id, c.external_org_id, c.external_id, c.kind, c.created_at, c.deleted_at,
        cr.connection_id AS cr_id, cr.credential_type AS cr_type, cr.updated_at AS cr_updated_at
      FROM organizations o
      LEFT JOIN connections c ON c.id = ? AND c.organization_id = o.id
      LEFT JOIN credentials cr ON cr.connection_id = c.id
      WHERE o.id = ?`)
      .get(connectionId, organizationId) as (Record<string, string | null> & { o_id: string }) | undefined;
    if (!r) return null;
    const organization = toOrg({ id: r.o_id, name: r['o_name'] as string, links: r['o_links'] as string, created_at: r['o_created_at'] as string, updated_at: r['o_updated_at'] as string });
    const connection: ConnectionRow | null = r['id'] === null || r['id'] === undefined ? null : {
      id: r['id'], organization_id: r['organization_id'] as string, provider_id: r['provider_id'] as string, external_org_id: r['external_org_id'] as string,
      external_id: r['external_id'] as string, kind: r['kind'] as string, created_at: r['created_at'] as string, deleted_at: r['deleted_at'] ?? null,
    };
    const credential: CredentialMeta | null = r['cr_id'] === null || r['cr_id'] === undefined ? null
      : { connection_id: r['cr_id'], credential_type: r['cr_type'] ?? null, updated_at: r['cr_updated_at'] as string };
    return { organization, connection, credential };
  }

  async insertApiKey(row: ApiKeyRow, event: NewEvent | null): Promise<void> {
    this.#db.transaction(() => {
      this.#stmt('INSERT INTO api_keys (id, name, organization_ids, scopes, key_hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(row.id, row.name, JSON.stringify(row.organization_ids), JSON.stringify(row.scopes), row.key_hash, row.created_at, row.revoked_at);
      if (event) this.#insertEvent(event);
    })();
  }

  async getApiKeyByHash(keyHash: string): Promise<ApiKeyRow | null> {
    const r = this.#stmt('SELECT * FROM api_keys WHERE key_hash = ?').get(keyHash) as ApiKeyDbRow | undefined;
    return r ? toApiKey(r) : null;
  }

  async listApiKeys(afterId: string | null, limit: number): Promise<ApiKeyRow[]> {
    const rows = this.#stmt('SELECT * FROM api_keys WHERE revoked_at IS NULL AND id > ? ORDER BY id LIMIT ?').all(afterId ?? '', limit) as ApiKeyDbRow[];
    return rows.map(toApiKey);
  }

  async revokeApiKey(id: string, at: string, event: NewEvent | null): Promise<boolean> {
    return this.#db.transaction(() => {
      const changed = this.#stmt('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes === 1;
      if (changed && event) this.#insertEvent(event);
      return changed;
    })();
  }

  async insertCreateIntent(i: CreateIntentRow): Promise<void> {
    this.#stmt(`INSERT INTO create_intents (id, organization_id, provider_id, external_org_id, expected, changed, key_id, nonce, ciphertext, credential_type,
        actor, request_id, idempotency, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(i.id, i.organization_id, i.provider_id, i.external_org_id, JSON.stringify(i.expected), JSON.stringify(i.changed), i.credential?.key_id ?? null, i.credential?.nonce ?? null,
        i.credential?.ciphertext ?? null, i.credential?.credential_type ?? null, i.actor, i.request_id, i.idempotency, i.created_at);
  }

  async completeCreateIntent(intentId: string, externalId: string, kind: string, event: NewEvent): Promise<boolean> {
    return this.#db.transaction(() => {
      const i = this.#stmt('SELECT * FROM create_intents WHERE id = ?').get(intentId) as IntentDbRow | undefined;
      if (!i) return false;
      const taken = this.#stmt(`SELECT 1 FROM connections WHERE organization_id = ? AND provider_id = ? AND external_org_id = ? AND external_id = ?
        AND deleted_at IS NULL`).get(i.organization_id, i.provider_id, i.external_org_id, externalId);
      if (taken) return false;
      this.#stmt('DELETE FROM create_intents WHERE id = ?').run(intentId);
      this.#stmt(`INSERT INTO connections (id, organization_id, provider_id, external_org_id, external_id, kind, created_at, deleted_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`).run(i.id, i.organization_id, i.provider_id, i.external_org_id, externalId, kind, event.at);
      if (i.key_id !== null && i.nonce !== null && i.ciphertext !== null) {
        this.#putCredential({ connection_id: i.id, organization_id: i.organization_id, key_id: i.key_id, nonce: i.nonce, ciphertext: i.ciphertext,
          credential_type: i.credential_type, updated_at: event.at });
      }
      this.#insertEvent(event);
      return true;
    })();
  }

  async dropCreateIntent(intentId: string): Promise<void> {
    this.#stmt('DELETE FROM create_intents WHERE id = ?').run(intentId);
  }

  async pendingCreateIntents(scope?: { organization_id: string; provider_id: string; external_org_id: string }): Promise<CreateIntentRow[]> {
    const rows = (scope
      ? this.#stmt('SELECT * FROM create_intents WHERE organization_id = ? AND provider_id = ? AND external_org_id = ? ORDER BY created_at, id')
        .all(scope.organization_id, scope.provider_id, scope.external_org_id)
      : this.#stmt('SELECT * FROM create_intents ORDER BY created_at, id').all()) as IntentDbRow[];
    return rows.map(toIntent);
  }

  async findLiveConnection(organizationId: string, providerId: string, externalOrgId: string, externalId: string): Promise<ConnectionRow | null> {
    return (this.#stmt(`SELECT * FROM connections WHERE organization_id = ? AND provider_id = ? AND external_org_id = ? AND external_id = ?
      AND deleted_at IS NULL`).get(organizationId, providerId, externalOrgId, externalId) as ConnectionRow | undefined) ?? null;
  }

  async claimIdempotencyKey(c: IdempotencyClaim, expiredBefore: string, abandonedBefore: string): Promise<{ claimed: true } | { claimed: false; existing: IdempotencyRecord }> {
    return this.#db.transaction(() => {
      this.#stmt('DELETE FROM idempotency_keys WHERE owner = ? AND key = ? AND (created_at < ? OR (status IS NULL AND created_at < ?))')
        .run(c.owner, c.key, expiredBefore, abandonedBefore);
      const inserted = this.#stmt('INSERT OR IGNORE INTO idempotency_keys (owner, key, fingerprint, created_at) VALUES (?, ?, ?, ?)')
        .run(c.owner, c.key, c.fingerprint, c.created_at).changes === 1;
      if (inserted) return { claimed: true as const };
      const r = this.#stmt('SELECT * FROM idempotency_keys WHERE owner = ? AND key = ?').get(c.owner, c.key) as IdempotencyDbRow;
      return { claimed: false as const, existing: { owner: r.owner, key: r.key, fingerprint: r.fingerprint, created_at: r.created_at,
        answer: r.status === null ? null : { status: r.status, headers: JSON.parse(r.headers ?? '{}') as Record<string, string>, body: r.body ?? '' } } };
    })();
  }

  async completeIdempotencyKey(owner: string, key: string, a: IdempotentAnswer): Promise<void> {
    this.#stmt('UPDATE idempotency_keys SET status = ?, headers = ?, body = ? WHERE owner = ? AND key = ?').run(a.status, JSON.stringify(a.headers), a.body, owner, key);
  }

  async releaseIdempotencyKey(owner: string, key: string): Promise<void> {
    this.#stmt('DELETE FROM idempotency_keys WHERE owner = ? AND key = ? AND status IS NULL').run(owner, key);
  }

  withConnectionLock<T>(connectionId: string, fn: () => Promise<T>): Promise<T> {
    return this.#locks.run(connectionId, fn);
  }

  #stmt(sql: string): Database.Statement {
    let st = this.#statements.get(sql);
    if (!st) {
      st = this.#db.prepare(sql);
      this.#statements.set(sql, st);
    }
    return st;
  }

  #putCredential(c: SealedCredentialRow): void {
    this.#stmt(`INSERT INTO credentials (connection_id, organization_id, key_id, nonce, ciphertext, credential_type, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (connection_id) DO UPDATE SET organization_id = excluded.organization_id, key_id = excluded.key_id,
        nonce = excluded.nonce, ciphertext = excluded.ciphertext, credential_type = excluded.credential_type, updated_at = excluded.updated_at`)
      .run(c.connection_id, c.organization_id, c.key_id, c.nonce, c.ciphertext, c.credential_type, c.updated_at);
  }

  #insertEvent(e: NewEvent): void {
    this.#stmt('INSERT INTO events (id, type, organization_id, connection_id, api_key_id, actor, changed, request_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(e.id, e.type, e.organization_id, e.connection_id, e.api_key_id ?? null, e.actor, JSON.stringify(e.changed), e.request_id, e.at);
  }
}

type IntentDbRow = Omit<CreateIntentRow, 'credential' | 'expected' | 'changed'> & { expected: string; changed: string; key_id: string | null; nonce: Buffer | null; ciphertext: Buffer | null; credential_type: string | null };

function toIntent(r: IntentDbRow): CreateIntentRow {
  const { key_id, nonce, ciphertext, credential_type, expected, changed, ...rest } = r;
  return { ...rest, expected: JSON.parse(expected) as CreateIntentRow['expected'], changed: JSON.parse(changed) as string[],
    credential: key_id !== null && nonce !== null && ciphertext !== null ? { key_id, nonce, ciphertext, credential_type, updated_at: r.created_at } : null };
}

type IdempotencyDbRow = IdempotencyClaim & { status: number | null; headers: string | null; body: string | null };

type ApiKeyDbRow = Omit<ApiKeyRow, 'organization_ids' | 'scopes'> & { organization_ids: string; scopes: string };

function toApiKey(r: ApiKeyDbRow): ApiKeyRow {
  return { ...r, organization_ids: JSON.parse(r.organization_ids) as string[], scopes: JSON.parse(r.scopes) as string[] };
}

function toOrg(r: OrgDbRow): OrganizationRow {
  return { ...r, links: JSON.parse(r.links) as Record<string, string> };
}
