import { CompiledQuery, sql, type Compilable, type Kysely, type Selectable, type Transaction } from 'kysely';
import type {
  ApiKeyRow, Broadcast, ConnectionCandidate, ConnectionLocks, ConnectionLookup, ConnectionRow, CreateIntentRow, CredentialMeta, EventRow,
  IdempotencyClaim, IdempotencyRecord, IdempotentAnswer, NewEvent, OrganizationRow, ResealedCredential, SealedCredentialRow, Storage,
} from '../../core/storage.js';
import type { Tables } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';
type Db = Kysely<Tables>;

/** Stand-ins for a prepared query's arguments while it is compiled (never sent). */
const ARG = ['\u0001arg0\u0001', '\u0001arg1\u0001', '\u0001arg2\u0001', '\u0001arg3\u0001'] as const;

/**
 * A query written with kysely and compiled once per dialect: on the read path, building and
 * compiling a query on every call cost more than running it (~40 µs of a ~45 µs SQLite lookup).
 * `build` gets stand-ins (ARG) for the arguments; each call sends the compiled text with the
 * arguments in their places (and the query's own constants where they were).
 */
class Prepared<R> {
  readonly #compiled = new Map<Dialect, { sql: string; params: ReadonlyArray<{ arg: number } | { value: unknown }> }>();

  constructor(private readonly build: (db: Db) => Compilable<R>) {}

  async run(db: Db, dialect: Dialect, args: readonly unknown[]): Promise<R[]> {
    let c = this.#compiled.get(dialect);
    if (!c) {
      const compiled = this.build(db).compile();
      c = { sql: compiled.sql, params: compiled.parameters.map((p) => {
        const arg = (ARG as readonly unknown[]).indexOf(p);
        return arg >= 0 ? { arg } : { value: p };
      }) };
      this.#compiled.set(dialect, c);
    }
    const params = c.params.map((p) => ('arg' in p ? args[p.arg] : p.value));
    return (await db.executeQuery(CompiledQuery.raw(c.sql, params) as CompiledQuery<R>)).rows;
  }
}

const GET_ORGANIZATION = new Prepared((db) => db.selectFrom('organizations').selectAll().where('id', '=', ARG[0]));
const GET_CONNECTION = new Prepared((db) => db.selectFrom('connections').selectAll().where('id', '=', ARG[0]));
const GET_CREDENTIAL = new Prepared((db) => db.selectFrom('credentials').selectAll().where('connection_id', '=', ARG[0]));
const GET_API_KEY = new Prepared((db) => db.selectFrom('api_keys').selectAll().where('key_hash', '=', ARG[0]));
const CONNECTION_WITH_ORGANIZATION = new Prepared((db) => db.selectFrom('organizations as o')
  .leftJoin('connections as c', (j) => j.on('c.id', '=', ARG[0]).onRef('c.organization_id', '=', 'o.id'))
  .leftJoin('credentials as cr', 'cr.connection_id', 'c.id')
  .select(['o.id as o_id', 'o.name as o_name', 'o.links as o_links', 'o.created_at as o_created_at', 'o.updated_at as o_updated_at',
    'c.id', 'c.organization_id', 'c.provider_id', 'c.external_org_id', 'c.external_id', 'c.kind', 'c.created_at', 'c.deleted_at',
    'cr.connection_id as cr_id', 'cr.credential_type as cr_type', 'cr.updated_at as cr_updated_at'])
  .where('o.id', '=', ARG[1]));

/** Thrown inside a transaction to undo it and answer `false`. */
class Rollback extends Error {}

/** The columns of `connections` that make an upstream identity (the live unique index). */
const LIVE_UPSTREAM = ['organization_id', 'provider_id', 'external_org_id', 'external_id'] as const;

/**
 * The one implementation of the storage port, written once over kysely for both backends: the
 * same statements, transactions and conflict rules on SQLite and PostgreSQL. What differs is
 * given: how rows are locked (PostgreSQL takes row locks a concurrent replica respects; SQLite has
 * one writer), the per-connection lock and the broadcast.
 */
export class SqlStorage implements Storage {
  constructor(
    protected readonly db: Db,
    readonly locks: ConnectionLocks,
    readonly broadcast: Broadcast,
    readonly backend: Dialect,
    private readonly onClose: () => Promise<void>,
  ) {}

  /** PostgreSQL serves replicas; a SQLite file serves one process. */
  get sharedByProcesses(): boolean {
    return this.backend === 'postgres';
  }

  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.db);
  }

  #closing: Promise<void> | null = null;

  /** Closes once; later calls wait for the first. */
  close(): Promise<void> {
    this.#closing ??= this.onClose();
    return this.#closing;
  }

  /** `cb` in one transaction (the one already open, when called inside one). */
  transaction<T>(cb: (tx: Storage) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return cb(this);
    return this.db.transaction().execute((trx) => cb(this.#on(trx)));
  }

  #on(trx: Transaction<Tables>): SqlStorage {
    return new SqlStorage(trx, this.locks, this.broadcast, this.backend, async () => {});
  }

  /** `fn` in one transaction; `false` when it throws Rollback. */
  async #tx<T>(fn: (db: Db) => Promise<T>): Promise<T | false> {
    try {
      return this.db.isTransaction ? await fn(this.db) : await this.db.transaction().execute(fn);
    } catch (e) {
      if (e instanceof Rollback) return false;
      throw e;
    }
  }

  async getOrInitSetting(key: string, init: () => string): Promise<string> {
    await this.db.insertInto('settings').values({ key, value: init() }).onConflict((oc) => oc.column('key').doNothing()).execute();
    const r = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
    return r.value;
  }

  async createOrganization(row: OrganizationRow, event: NewEvent): Promise<boolean> {
    return this.#tx(async (db) => {
      const r = await db.insertInto('organizations').values({ ...row, links: JSON.stringify(row.links) })
        .onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
      await insertEvent(db, event);
      return true;
    });
  }

  async getOrganization(id: string): Promise<OrganizationRow | null> {
    const [r] = await GET_ORGANIZATION.run(this.db, this.backend, [id]);
    return r ? toOrg(r) : null;
  }

  async listOrganizations(afterId: string | null, limit: number): Promise<OrganizationRow[]> {
    const rows = await this.db.selectFrom('organizations').selectAll().where('id', '>', afterId ?? '').orderBy('id').limit(limit).execute();
    return rows.map(toOrg);
  }

  async updateOrganization(row: OrganizationRow, event: NewEvent): Promise<boolean> {
    return this.#tx(async (db) => {
      const r = await db.updateTable('organizations').set({ name: row.name, links: JSON.stringify(row.links), updated_at: row.updated_at })
        .where('id', '=', row.id).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await insertEvent(db, event);
      return true;
    });
  }

  async deleteOrganization(id: string, at: string, event: NewEvent): Promise<boolean> {
    return this.#tx(async (db) => {
      if (Number((await db.deleteFrom('organizations').where('id', '=', id).executeTakeFirst()).numDeletedRows) !== 1) return false;
      await db.deleteFrom('credentials').where((eb) => eb.or([eb('organization_id', '=', id),
        eb('connection_id', 'in', eb.selectFrom('connections').select('id').where('organization_id', '=', id))])).execute();
      await db.updateTable('connections').set({ deleted_at: at }).where('organization_id', '=', id).where('deleted_at', 'is', null).execute();
      // Creates not settled yet hold sealed credentials too: they go, and are never adopted.
      await db.deleteFrom('create_intents').where('organization_id', '=', id).execute();
      await insertEvent(db, event);
      return true;
    });
  }

  async getConnection(id: string): Promise<ConnectionRow | null> {
    return (await GET_CONNECTION.run(this.db, this.backend, [id]))[0] ?? null;
  }

  async ensureConnections(candidates: ConnectionCandidate[], now: string): Promise<ConnectionRow[]> {
    // Most of a list is known already: one read per upstream scope finds those; only the rest is written.
    const known = await this.#liveRowsOf(candidates);
    const missing = candidates.filter((c) => !known.has(upstreamKey(c)));
    if (missing.length > 0) for (const row of await this.#adopt(missing, now)) known.set(upstreamKey(row), row);
    return candidates.map((c) => known.get(upstreamKey(c)) as ConnectionRow);
  }

  /** The live rows of these upstream identities, by upstreamKey: one query per upstream scope. */
  async #liveRowsOf(candidates: ConnectionCandidate[]): Promise<Map<string, ConnectionRow>> {
    const scopes = new Map<string, ConnectionCandidate[]>();
    for (const c of candidates) {
      const k = JSON.stringify([c.organization_id, c.provider_id, c.external_org_id]);
      scopes.set(k, [...(scopes.get(k) ?? []), c]);
    }
    const out = new Map<string, ConnectionRow>();
    for (const group of scopes.values()) {
      const first = group[0] as ConnectionCandidate;
      const rows = await this.db.selectFrom('connections').selectAll().where('organization_id', '=', first.organization_id)
        .where('provider_id', '=', first.provider_id).where('external_org_id', '=', first.external_org_id)
        .where('external_id', 'in', group.map((c) => c.external_id)).where('deleted_at', 'is', null).execute();
      for (const r of rows) out.set(upstreamKey(r), r);
    }
    return out;
  }

  /** Index rows made for upstream connections not known yet (made but not kept when their organization is gone). */
  async #adopt(candidates: ConnectionCandidate[], now: string): Promise<ConnectionRow[]> {
    const organizations = new Map<string, boolean>();
    const rows = await this.#tx(async (db) => {
      const out: ConnectionRow[] = [];
      for (const c of candidates) {
        let exists = organizations.get(c.organization_id);
        if (exists === undefined) organizations.set(c.organization_id, (exists = await this.#holdOrganization(db, c.organization_id)));
        const made: ConnectionRow = { id: c.new_id, organization_id: c.organization_id, provider_id: c.provider_id, external_org_id: c.external_org_id,
          external_id: c.external_id, kind: c.kind, created_at: now, deleted_at: null };
        // A list that was under way while its organization was deleted: its ids are never kept.
        if (!exists) {
          out.push((await findLive(db, c)) ?? made);
          continue;
        }
        // Two replicas listing at once: the unique live index lets one insert win, the other reads it.
        await db.insertInto('connections').values(made)
          .onConflict((oc) => oc.columns(LIVE_UPSTREAM).where('deleted_at', 'is', null).doNothing()).execute();
        out.push((await findLive(db, c)) ?? made);
      }
      return out;
    });
    return rows === false ? [] : rows;
  }

  async insertConnection(row: ConnectionRow, credential: SealedCredentialRow | null, event: NewEvent): Promise<boolean> {
    return this.#tx(async (db) => {
      if (!(await this.#holdOrganization(db, row.organization_id))) return false;
      await db.insertInto('connections').values(row).execute();
      if (credential) await putCredential(db, credential);
      await insertEvent(db, event);
      return true;
    });
  }

  async recordConnectionUpdate(credential: SealedCredentialRow | null, event: NewEvent): Promise<void> {
    await this.#tx(async (db) => {
      if (credential) await putCredential(db, credential);
      await insertEvent(db, event);
    });
  }

  async markConnectionDeleted(id: string, at: string, event: NewEvent | null): Promise<void> {
    await this.#tx(async (db) => {
      await db.deleteFrom('credentials').where('connection_id', '=', id).execute();
      await db.updateTable('connections').set({ deleted_at: at }).where('id', '=', id).where('deleted_at', 'is', null).execute();
      if (event) await insertEvent(db, event);
    });
  }

  async getCredential(connectionId: string): Promise<SealedCredentialRow | null> {
    return (await GET_CREDENTIAL.run(this.db, this.backend, [connectionId]))[0] ?? null;
  }

  async credentialMeta(connectionIds: string[]): Promise<Map<string, CredentialMeta>> {
    const out = new Map<string, CredentialMeta>();
    if (connectionIds.length === 0) return out;
    const rows = await this.db.selectFrom('credentials').select(['connection_id', 'credential_type', 'updated_at'])
      .where('connection_id', 'in', connectionIds).execute();
    for (const r of rows) out.set(r.connection_id, r);
    return out;
  }

  async credentialsSealedWithOtherKeys(keyId: string, afterConnectionId: string | null, limit: number): Promise<SealedCredentialRow[]> {
    return this.db.selectFrom('credentials').selectAll().where('key_id', '<>', keyId).where('connection_id', '>', afterConnectionId ?? '')
      .orderBy('connection_id').limit(limit).execute();
  }

  async resealCredentials(rows: ResealedCredential[]): Promise<number> {
    const n = await this.#tx(async (db) => {
      let replaced = 0;
      for (const r of rows) {
        const u = await db.updateTable('credentials').set({ key_id: r.key_id, nonce: r.nonce, ciphertext: r.ciphertext })
          .where('connection_id', '=', r.connection_id).where('key_id', '=', r.from.key_id).where('nonce', '=', r.from.nonce).executeTakeFirst();
        replaced += Number(u.numUpdatedRows);
      }
      return replaced;
    });
    return n === false ? 0 : n;
  }

  async countCredentialsByKey(): Promise<Map<string, number>> {
    const rows = await this.db.selectFrom('credentials').select((eb) => ['key_id', eb.fn.countAll<number | string>().as('n')])
      .groupBy('key_id').orderBy('key_id').execute();
    return new Map(rows.map((r) => [r.key_id, Number(r.n)]));
  }

  async listAllEvents(afterSeq: number, limit: number): Promise<EventRow[]> {
    const rows = await this.db.selectFrom('events').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
    return rows.map(toEvent);
  }

  async listEvents(organizationId: string, afterId: string | null, limit: number): Promise<EventRow[] | null> {
    // The organization's current life starts at its latest organization.created (0: one made before
    // organizations had events). Read each time: another replica may have deleted and re-created it.
    const start = await this.db.selectFrom('events').select((eb) => eb.fn.max('seq').as('seq'))
      .where('organization_id', '=', organizationId).where('type', '=', 'organization.created').executeTakeFirst();
    const from = Number(start?.seq ?? 0);
    let afterSeq = from - 1;
    if (afterId !== null) {
      const r = await this.db.selectFrom('events').select('seq').where('id', '=', afterId).where('organization_id', '=', organizationId).executeTakeFirst();
      if (r === undefined || Number(r.seq) < from) return null;
      afterSeq = Number(r.seq);
    }
    const rows = await this.db.selectFrom('events').selectAll().where('organization_id', '=', organizationId).where('seq', '>', afterSeq)
      .orderBy('seq').limit(limit).execute();
    return rows.map(toEvent);
  }

  async getConnectionWithOrganization(organizationId: string, connectionId: string): Promise<ConnectionLookup | null> {
    const [r] = await CONNECTION_WITH_ORGANIZATION.run(this.db, this.backend, [connectionId, organizationId]);
    if (!r) return null;
    const organization = toOrg({ id: r.o_id, name: r.o_name, links: r.o_links, created_at: r.o_created_at, updated_at: r.o_updated_at });
    const connection: ConnectionRow | null = r.id === null ? null : {
      id: r.id, organization_id: r.organization_id as string, provider_id: r.provider_id as string, external_org_id: r.external_org_id as string,
      external_id: r.external_id as string, kind: r.kind as string, created_at: r.created_at as string, deleted_at: r.deleted_at ?? null,
    };
    const credential: CredentialMeta | null = r.cr_id === null ? null
      : { connection_id: r.cr_id, credential_type: r.cr_type ?? null, updated_at: r.cr_updated_at as string };
    return { organization, connection, credential };
  }

  async insertApiKey(row: ApiKeyRow, event: NewEvent | null): Promise<void> {
    await this.#tx(async (db) => {
      await db.insertInto('api_keys').values({ ...row, organization_ids: JSON.stringify(row.organization_ids), scopes: JSON.stringify(row.scopes) }).execute();
      if (event) await insertEvent(db, event);
    });
  }

  async getApiKeyByHash(keyHash: string): Promise<ApiKeyRow | null> {
    const [r] = await GET_API_KEY.run(this.db, this.backend, [keyHash]);
    return r ? toApiKey(r) : null;
  }

  async listApiKeys(afterId: string | null, limit: number): Promise<ApiKeyRow[]> {
    const rows = await this.db.selectFrom('api_keys').selectAll().where('revoked_at', 'is', null).where('id', '>', afterId ?? '')
      .orderBy('id').limit(limit).execute();
    return rows.map(toApiKey);
  }

  async revokeApiKey(id: string, at: string, event: NewEvent | null): Promise<boolean> {
    return this.#tx(async (db) => {
      const r = await db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      if (event) await insertEvent(db, event);
      return true;
    });
  }

  async insertCreateIntent(i: CreateIntentRow): Promise<void> {
    await this.db.insertInto('create_intents').values({
      id: i.id, organization_id: i.organization_id, provider_id: i.provider_id, external_org_id: i.external_org_id,
      expected: JSON.stringify(i.expected), changed: JSON.stringify(i.changed), key_id: i.credential?.key_id ?? null, nonce: i.credential?.nonce ?? null,
      ciphertext: i.credential?.ciphertext ?? null, credential_type: i.credential?.credential_type ?? null, actor: i.actor, request_id: i.request_id,
      idempotency: i.idempotency, created_at: i.created_at,
    }).execute();
  }

  async completeCreateIntent(intentId: string, externalId: string, kind: string, event: NewEvent): Promise<boolean> {
    return this.#tx(async (db) => {
      // Taking the intent is deleting it: of two replicas settling one intent, one deletes it, the other finds none.
      const i = await db.deleteFrom('create_intents').where('id', '=', intentId).returningAll().executeTakeFirst();
      // Gone: adopted meanwhile, dropped, or its organization was deleted (which drops its intents).
      if (!i || !(await this.#holdOrganization(db, i.organization_id))) throw new Rollback();
      const inserted = await db.insertInto('connections')
        .values({ id: i.id, organization_id: i.organization_id, provider_id: i.provider_id, external_org_id: i.external_org_id,
          external_id: externalId, kind, created_at: event.at, deleted_at: null })
        .onConflict((oc) => oc.columns(LIVE_UPSTREAM).where('deleted_at', 'is', null).doNothing()).executeTakeFirst();
      // Its upstream connection has an id already (adopted by a list): the intent stays for that list's settling.
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) throw new Rollback();
      if (i.key_id !== null && i.nonce !== null && i.ciphertext !== null) {
        await putCredential(db, { connection_id: i.id, organization_id: i.organization_id, key_id: i.key_id, nonce: i.nonce, ciphertext: i.ciphertext,
          credential_type: i.credential_type, updated_at: event.at });
      }
      await insertEvent(db, event);
      return true;
    });
  }

  async dropCreateIntent(intentId: string): Promise<void> {
    await this.db.deleteFrom('create_intents').where('id', '=', intentId).execute();
  }

  async pendingCreateIntents(scope?: { organization_id: string; provider_id: string; external_org_id: string }): Promise<CreateIntentRow[]> {
    let q = this.db.selectFrom('create_intents').selectAll();
    if (scope) {
      q = q.where('organization_id', '=', scope.organization_id).where('provider_id', '=', scope.provider_id).where('external_org_id', '=', scope.external_org_id);
    }
    return (await q.orderBy('created_at').orderBy('id').execute()).map(toIntent);
  }

  async findLiveConnection(organizationId: string, providerId: string, externalOrgId: string, externalId: string): Promise<ConnectionRow | null> {
    return (await findLive(this.db, { organization_id: organizationId, provider_id: providerId, external_org_id: externalOrgId, external_id: externalId })) ?? null;
  }

  async claimIdempotencyKey(c: IdempotencyClaim, expiredBefore: string, abandonedBefore: string): Promise<{ claimed: true } | { claimed: false; existing: IdempotencyRecord }> {
    const r = await this.#tx(async (db) => {
      await db.deleteFrom('idempotency_keys').where('owner', '=', c.owner).where('key', '=', c.key)
        .where((eb) => eb.or([eb('created_at', '<', expiredBefore), eb.and([eb('status', 'is', null), eb('created_at', '<', abandonedBefore)])])).execute();
      // Of concurrent claims (also from other replicas), the unique key lets exactly one insert. The
      // record that stopped this insert may be released (its request failed) before the read below
      // (PostgreSQL, read committed: each statement sees what was committed when it began); the key
      // is free again then, so the claim is tried again.
      for (let attempt = 1; ; attempt++) {
        const inserted = await db.insertInto('idempotency_keys').values({ owner: c.owner, key: c.key, fingerprint: c.fingerprint, created_at: c.created_at,
          status: null, headers: null, body: null }).onConflict((oc) => oc.columns(['owner', 'key']).doNothing()).executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return { claimed: true as const };
        const row = await db.selectFrom('idempotency_keys').selectAll().where('owner', '=', c.owner).where('key', '=', c.key).executeTakeFirst();
        if (row) {
          return { claimed: false as const, existing: { owner: row.owner, key: row.key, fingerprint: row.fingerprint, created_at: row.created_at,
            answer: row.status === null ? null : { status: row.status, headers: JSON.parse(row.headers ?? '{}') as Record<string, string>, body: row.body ?? '' } } };
        }
        if (attempt >= 10) throw new Error('idempotency key claimed and released 10 times in a row while this request tried to claim it');
      }
    });
    if (r === false) throw new Error('unreachable: an idempotency claim never rolls back');
    return r;
  }

  async completeIdempotencyKey(owner: string, key: string, a: IdempotentAnswer): Promise<void> {
    await this.db.updateTable('idempotency_keys').set({ status: a.status, headers: JSON.stringify(a.headers), body: a.body })
      .where('owner', '=', owner).where('key', '=', key).execute();
  }

  async releaseIdempotencyKey(owner: string, key: string): Promise<void> {
    await this.db.deleteFrom('idempotency_keys').where('owner', '=', owner).where('key', '=', key).where('status', 'is', null).execute();
  }

  /**
   * Whether the organization exists; on PostgreSQL its row is also share-locked until the
   * transaction ends, so a delete on another replica waits for this write (and then tombstones
   * what it wrote) instead of racing it. SQLite has one writer at a time already.
   */
  async #holdOrganization(db: Db, id: string): Promise<boolean> {
    const q = db.selectFrom('organizations').select('id').where('id', '=', id);
    return (await (this.backend === 'postgres' ? q.forShare() : q).executeTakeFirst()) !== undefined;
  }
}

function upstreamKey(c: Pick<ConnectionRow, (typeof LIVE_UPSTREAM)[number]>): string {
  return JSON.stringify([c.organization_id, c.provider_id, c.external_org_id, c.external_id]);
}

function findLive(db: Db, c: Pick<ConnectionRow, (typeof LIVE_UPSTREAM)[number]>): Promise<ConnectionRow | undefined> {
  return db.selectFrom('connections').selectAll().where('organization_id', '=', c.organization_id).where('provider_id', '=', c.provider_id)
    .where('external_org_id', '=', c.external_org_id).where('external_id', '=', c.external_id).where('deleted_at', 'is', null).executeTakeFirst();
}

/** Only for a live connection: a change that was under way while its organization was deleted stores nothing. */
async function putCredential(db: Db, c: SealedCredentialRow): Promise<void> {
  await db.insertInto('credentials')
    .columns(['connection_id', 'organization_id', 'key_id', 'nonce', 'ciphertext', 'credential_type', 'updated_at'])
    .expression(db.selectNoFrom((eb) => [
      eb.val(c.connection_id).as('connection_id'), eb.val(c.organization_id).as('organization_id'), eb.val(c.key_id).as('key_id'),
      eb.val(c.nonce).as('nonce'), eb.val(c.ciphertext).as('ciphertext'), eb.val(c.credential_type).as('credential_type'), eb.val(c.updated_at).as('updated_at'),
    ]).where((eb) => eb.exists(db.selectFrom('connections').select('id').where('id', '=', c.connection_id).where('deleted_at', 'is', null))))
    .onConflict((oc) => oc.column('connection_id').doUpdateSet((eb) => ({
      organization_id: eb.ref('excluded.organization_id'), key_id: eb.ref('excluded.key_id'), nonce: eb.ref('excluded.nonce'),
      ciphertext: eb.ref('excluded.ciphertext'), credential_type: eb.ref('excluded.credential_type'), updated_at: eb.ref('excluded.updated_at'),
    })))
    .execute();
}

async function insertEvent(db: Db, e: NewEvent): Promise<void> {
  await db.insertInto('events').values({ id: e.id, type: e.type, organization_id: e.organization_id, connection_id: e.connection_id,
    api_key_id: e.api_key_id ?? null, actor: e.actor, changed: JSON.stringify(e.changed), request_id: e.request_id, at: e.at }).execute();
}

function toEvent({ api_key_id: keyId, seq, ...r }: Selectable<Tables['events']>): EventRow {
  return { ...r, seq: Number(seq), ...(keyId ? { api_key_id: keyId } : {}), changed: JSON.parse(r.changed) as string[] };
}

function toIntent(r: Selectable<Tables['create_intents']>): CreateIntentRow {
  const { key_id, nonce, ciphertext, credential_type, expected, changed, ...rest } = r;
  return { ...rest, expected: JSON.parse(expected) as CreateIntentRow['expected'], changed: JSON.parse(changed) as string[],
    credential: key_id !== null && nonce !== null && ciphertext !== null ? { key_id, nonce, ciphertext, credential_type, updated_at: r.created_at } : null };
}

function toApiKey(r: Selectable<Tables['api_keys']>): ApiKeyRow {
  return { ...r, organization_ids: JSON.parse(r.organization_ids) as string[], scopes: JSON.parse(r.scopes) as string[] };
}

function toOrg(r: Selectable<Tables['organizations']>): OrganizationRow {
  return { ...r, links: JSON.parse(r.links) as Record<string, string> };
}
