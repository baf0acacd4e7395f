import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { KeyedMutex } from './keyed-mutex.js';
import { SQLITE_MIGRATIONS } from './migrations/sqlite.js';
import type {
  ConnectionCandidate, ConnectionRow, CredentialMeta, EventRow, NewEvent, OrganizationRow, SealedCredentialRow, Storage,
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
    this.#db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  async getOrInitSetting(key: string, init: () => string): Promise<string> {
    this.#db.prepare('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)').run(key, init());
    return this.#db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(key) as string;
  }

  async createOrganization(row: OrganizationRow): Promise<boolean> {
    const r = this.#db.prepare('INSERT OR IGNORE INTO organizations (id, name, links, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
      .run(row.id, row.name, JSON.stringify(row.links), row.created_at, row.updated_at);
    return r.changes === 1;
  }

  async getOrganization(id: string): Promise<OrganizationRow | null> {
    const r = this.#db.prepare('SELECT * FROM organizations WHERE id = ?').get(id) as OrgDbRow | undefined;
    return r ? toOrg(r) : null;
  }

  async listOrganizations(afterId: string | null, limit: number): Promise<OrganizationRow[]> {
    const rows = this.#db.prepare('SELECT * FROM organizations WHERE id > ? ORDER BY id LIMIT ?').all(afterId ?? '', limit) as OrgDbRow[];
    return rows.map(toOrg);
  }

  async updateOrganization(row: OrganizationRow): Promise<void> {
    this.#db.prepare('UPDATE organizations SET name = ?, links = ?, updated_at = ? WHERE id = ?')
      .run(row.name, JSON.stringify(row.links), row.updated_at, row.id);
  }

  async deleteOrganization(id: string): Promise<boolean> {
    return this.#db.prepare('DELETE FROM organizations WHERE id = ?').run(id).changes === 1;
  }

  async getConnection(id: string): Promise<ConnectionRow | null> {
    return (this.#db.prepare('SELECT * FROM connections WHERE id = ?').get(id) as ConnectionRow | undefined) ?? null;
  }

  async ensureConnections(candidates: ConnectionCandidate[], now: string): Promise<ConnectionRow[]> {
    const find = this.#db.prepare(`SELECT * FROM connections WHERE organization_id = ? AND provider_id = ? AND external_org_id = ?
      AND external_id = ? AND deleted_at IS NULL`);
    const insert = this.#db.prepare(`INSERT INTO connections (id, organization_id, provider_id, external_org_id, external_id, kind, created_at)
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
      this.#db.prepare(`INSERT INTO connections (id, organization_id, provider_id, external_org_id, external_id, kind, created_at, deleted_at)
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
      this.#db.prepare('DELETE FROM credentials WHERE connection_id = ?').run(id);
      this.#db.prepare('UPDATE connections SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL').run(at, id);
      if (event) this.#insertEvent(event);
    })();
  }

  async getCredential(connectionId: string): Promise<SealedCredentialRow | null> {
    return (this.#db.prepare('SELECT * FROM credentials WHERE connection_id = ?').get(connectionId) as SealedCredentialRow | undefined) ?? null;
  }

  async credentialMeta(connectionIds: string[]): Promise<Map<string, CredentialMeta>> {
    const out = new Map<string, CredentialMeta>();
    if (connectionIds.length === 0) return out;
    const rows = this.#db.prepare(`SELECT connection_id, credential_type, updated_at FROM credentials
      WHERE connection_id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(connectionIds)) as CredentialMeta[];
    for (const r of rows) out.set(r.connection_id, r);
    return out;
  }

  async listEvents(organizationId: string, afterId: string | null, limit: number): Promise<EventRow[] | null> {
    let afterSeq = 0;
    if (afterId !== null) {
      const seq = this.#db.prepare('SELECT seq FROM events WHERE id = ? AND organization_id = ?').pluck().get(afterId, organizationId) as number | undefined;
      if (seq === undefined) return null;
      afterSeq = seq;
    }
    const rows = this.#db.prepare('SELECT * FROM events WHERE organization_id = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(organizationId, afterSeq, limit) as EventDbRow[];
    return rows.map((r) => ({ ...r, changed: JSON.parse(r.changed) as string[] }));
  }

  withConnectionLock<T>(connectionId: string, fn: () => Promise<T>): Promise<T> {
    return this.#locks.run(connectionId, fn);
  }

  #putCredential(c: SealedCredentialRow): void {
    this.#db.prepare(`INSERT INTO credentials (connection_id, organization_id, key_id, nonce, ciphertext, credential_type, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (connection_id) DO UPDATE SET organization_id = excluded.organization_id, key_id = excluded.key_id,
        nonce = excluded.nonce, ciphertext = excluded.ciphertext, credential_type = excluded.credential_type, updated_at = excluded.updated_at`)
      .run(c.connection_id, c.organization_id, c.key_id, c.nonce, c.ciphertext, c.credential_type, c.updated_at);
  }

  #insertEvent(e: NewEvent): void {
    this.#db.prepare('INSERT INTO events (id, type, organization_id, connection_id, actor, changed, request_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(e.id, e.type, e.organization_id, e.connection_id, e.actor, JSON.stringify(e.changed), e.request_id, e.at);
  }
}

function toOrg(r: OrgDbRow): OrganizationRow {
  return { ...r, links: JSON.parse(r.links) as Record<string, string> };
}
