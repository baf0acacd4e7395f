import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { KeyedMutex } from './keyed-mutex.js';
import { SQLITE_MIGRATIONS } from './migrations/sqlite.js';
import type {
  ApiKeyRow, ConnectionCandidate, ConnectionLookup, ConnectionRow, CreateIntentRow, CredentialMeta, EventRow, IdempotencyClaim, IdempotencyRecord,
  IdempotentAnswer, NewEvent, OpenOptions, OrganizationRow, ResealedCredential, SealedCredentialRow, Storage,
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
  /**
   * Per organization id, the seq of its current life's `organization.created` event (0: none, an
   * organization made before events were recorded for organizations): where its event list starts.
   * Found once per process (a scan of its events), then kept: one gateway process writes
   * organizations and events to this file (`rotate-key` beside it writes only sealed rows).
   */
  readonly #eventsFrom = new Map<string, number>();

  /** `mustExist`: refuse a file that is not there (a tool working on a gateway's database) instead of creating it. */
  constructor(file: string, opts: OpenOptions = {}) {
    if (opts.mustExist && file !== ':memory:' && !existsSync(file)) throw new Error(`no SQLite database at ${file}`);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('foreign_keys = ON');
    this.#migrate();
  }

  /** `sqlite:./data/x.db` or `sqlite::memory:` */
  static fromUrl(url: string, opts: OpenOptions = {}): SqliteStorage {
    return new SqliteStorage(url.replace(/^sqlite:(\/\/)?/, ''), opts);
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

  async createOrganization(row: OrganizationRow, event: NewEvent): Promise<boolean> {
    const seq = this.#db.transaction(() => {
      const r = this.#stmt('INSERT OR IGNORE INTO organizations (id, name, links, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
        .run(row.id, row.name, JSON.stringify(row.links), row.created_at, row.updated_at);
      return r.changes === 1 ? this.#insertEvent(event) : null;
    })();
    if (seq === null) return false;
    if (event.type === 'organization.created') this.#eventsFrom.set(row.id, seq);
    return true;
  }

  async getOrganization(id: string): Promise<OrganizationRow | null> {
    const r = this.#stmt('SELECT * FROM organizations WHERE id = ?').get(id) as OrgDbRow | undefined;
    return r ? toOrg(r) : null;
  }

  async listOrganizations(afterId: string | null, limit: number): Promise<OrganizationRow[]> {
    const rows = this.#stmt('SELECT * FROM organizations WHERE id > ? ORDER BY id LIMIT ?').all(afterId ?? '', limit) as OrgDbRow[];
    return rows.map(toOrg);
  }

  async updateOrganization(row: OrganizationRow, event: NewEvent): Promise<boolean> {
    return this.#db.transaction(() => {
      const r = this.#stmt('UPDATE organizations SET name = ?, links = ?, updated_at = ? WHERE id = ?')
        .run(row.name, JSON.stringify(row.links), row.updated_at, row.id);
      if (r.changes !== 1) return false;
      this.#insertEvent(event);
      return true;
    })();
  }

  async deleteOrganization(id: string, at: string, event: NewEvent): Promise<boolean> {
    const deleted = this.#db.transaction(() => {
      if (this.#stmt('DELETE FROM organizations WHERE id = ?').run(id).changes !== 1) return false;
      this.#stmt('DELETE FROM credentials WHERE organization_id = ? OR connection_id IN (SELECT id FROM connections WHERE organization_id = ?)').run(id, id);
      this.#stmt('UPDATE connections SET deleted_at = ? WHERE organization_id = ? AND deleted_at IS NULL').run(at, id);
      // Creates not settled yet hold sealed credentials too: they go, and are never adopted.
      this.#stmt('DELETE FROM create_intents WHERE organization_id = ?').run(id);
      this.#insertEvent(event);
      return true;
    })();
    if (deleted) this.#eventsFrom.delete(id);
    return deleted;
  }

  async getConnection(id: string): Promise<ConnectionRow | null> {
    return (this.#stmt('SELECT * FROM connections WHERE id = ?').get(id) as ConnectionRow | undefined) ?? null;
  }

  async ensureConnections(candidates: ConnectionCandidate[], now: string): Promise<ConnectionRow[]> {
    const find = this.#stmt(`SELECT * FROM connections WHERE organization_id = ? AND provider_id = ? AND external_org_id = ?
      AND external_id = ? AND deleted_at IS NULL`);
    const insert = this.#stmt(`INSERT INTO connections (id, organization_id, provider_id, external_org_id, external_id, kind, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
    const organizations = new Map<string, boolean>();
    return this.#db.transaction(() => candidates.map((c) => {
      const found = find.get(c.organization_id, c.provider_id, c.external_org_id, c.external_id) as ConnectionRow | undefined;
      if (found) return found;
      let exists = organizations.get(c.organization_id);
      if (exists === undefined) organizations.set(c.organization_id, (exists = this.#organizationExists(c.organization_id)));
      // A list that was under way while its organization was deleted: its ids are never kept.
      if (exists) insert.run(c.new_id, c.organization_id, c.provider_id, c.external_org_id, c.external_id, c.kind, now);
      return { id: c.new_id, organization_id: c.organization_id, provider_id: c.provider_id, external_org_id: c.external_org_id,
        external_id: c.external_id, kind: c.kind, created_at: now, deleted_at: null };
    }))();
  }

  async insertConnection(row: ConnectionRow, credential: SealedCredentialRow | null, event: NewEvent): Promise<boolean> {
    return this.#db.transaction(() => {
      if (!this.#organizationExists(row.organization_id)) return false;
      this.#stmt(`INSERT INTO connections (id, organization_id, provider_id, external_org_id, external_id, kind, created_at, deleted_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(row.id, row.organization_id, row.provider_id, row.external_org_id, row.external_id, row.kind, row.created_at, row.deleted_at);
      if (credential) this.#putCredential(credential);
      this.#insertEvent(event);
      return true;
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

  async credentialsSealedWithOtherKeys(keyId: string, afterConnectionId: string | null, limit: number): Promise<SealedCredentialRow[]> {
    return this.#stmt('SELECT * FROM credentials WHERE key_id <> ? AND connection_id > ? ORDER BY connection_id LIMIT ?')
      .all(keyId, afterConnectionId ?? '', limit) as SealedCredentialRow[];
  }

  async resealCredentials(rows: ResealedCredential[]): Promise<number> {
    const update = this.#stmt('UPDATE credentials SET key_id = ?, nonce = ?, ciphertext = ? WHERE connection_id = ? AND key_id = ? AND nonce = ?');
    return this.#db.transaction(() => rows.reduce((n, r) => n + update.run(r.key_id, r.nonce, r.ciphertext, r.connection_id, r.from.key_id, r.from.nonce).changes, 0))();
  }

  async countCredentialsByKey(): Promise<Map<string, number>> {
    const rows = this.#stmt('SELECT key_id, COUNT(*) AS n FROM credentials GROUP BY key_id ORDER BY key_id').all() as Array<{ key_id: string; n: number }>;
    return new Map(rows.map((r) => [r.key_id, r.n]));
  }

  async listAllEvents(afterSeq: number, limit: number): Promise<EventRow[]> {
    const rows = this.#stmt('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as EventDbRow[];
    return rows.map(toEvent);
  }

  async listEvents(organizationId: string, afterId: string | null, limit: number): Promise<EventRow[] | null> {
    let from = this.#eventsFrom.get(organizationId);
    if (from === undefined) {
      from = (this.#stmt("SELECT seq FROM events WHERE organization_id = ? AND type = 'organization.created' ORDER BY seq DESC LIMIT 1")
        .pluck().get(organizationId) as number | undefined) ?? 0;
      this.#eventsFrom.set(organizationId, from);
    }
    let afterSeq = from - 1;
    if (afterId !== null) {
      const seq = this.#stmt('SELECT seq FROM events WHERE id = ? AND organization_id = ?').pluck().get(afterId, organizationId) as number | undefined;
      if (seq === undefined || seq < from) return null;
      afterSeq = seq;
    }
    const rows = this.#stmt('SELECT * FROM events WHERE organization_id = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(organizationId, afterSeq, limit) as EventDbRow[];
    return rows.map(toEvent);
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
      // Gone: adopted meanwhile, dropped, or its organization was deleted (which drops its intents).
      if (!i || !this.#organizationExists(i.organization_id)) return false;
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

  #organizationExists(id: string): boolean {
    return this.#stmt('SELECT 1 FROM organizations WHERE id = ?').get(id) !== undefined;
  }

  /** Only for a live connection: a change that was under way while its organization was deleted stores nothing. */
  #putCredential(c: SealedCredentialRow): void {
    this.#stmt(`INSERT INTO credentials (connection_id, organization_id, key_id, nonce, ciphertext, credential_type, updated_at)
      SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM connections WHERE id = ? AND deleted_at IS NULL)
      ON CONFLICT (connection_id) DO UPDATE SET organization_id = excluded.organization_id, key_id = excluded.key_id,
        nonce = excluded.nonce, ciphertext = excluded.ciphertext, credential_type = excluded.credential_type, updated_at = excluded.updated_at`)
      .run(c.connection_id, c.organization_id, c.key_id, c.nonce, c.ciphertext, c.credential_type, c.updated_at, c.connection_id);
  }

  /** Its seq. */
  #insertEvent(e: NewEvent): number {
    return Number(this.#stmt('INSERT INTO events (id, type, organization_id, connection_id, api_key_id, actor, changed, request_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(e.id, e.type, e.organization_id, e.connection_id, e.api_key_id ?? null, e.actor, JSON.stringify(e.changed), e.request_id, e.at).lastInsertRowid);
  }
}

function toEvent({ api_key_id: keyId, ...r }: EventDbRow): EventRow {
  return { ...r, ...(keyId ? { api_key_id: keyId } : {}), changed: JSON.parse(r.changed) as string[] };
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
