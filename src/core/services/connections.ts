import type { z } from 'zod';
import type { ConnectionChange, ConnectionRef, ConnectionState, Credentials, PatchModelAdapter, ProviderAdapter, ReplaceModelAdapter } from '../adapter.js';
import type { Connection} from '../connection.js';
import { ConnectionStatus, type Job, type UpstreamConnection } from '../connection.js';
import type { SealContext } from '../crypto.js';
import { etagMatches, etagOf } from '../etag.js';
import { GatewayError, isGatewayError, validationError, type FieldProblem } from '../errors.js';
import { newId } from '../ids.js';
import { Secret } from '../secret.js';
import { parseOrThrow, problemsOf } from '../validation.js';
import type { ConnectionRow, CredentialMeta, NewEvent, SealedCredentialRow } from '../../storage/storage.js';
import { timestamp, type RequestContext, type ServiceDeps } from './context.js';
import type { OrganizationService } from './organizations.js';

export interface ListQuery {
  provider?: string | undefined;
  status?: ConnectionStatus | undefined;
  limit: number;
  cursor?: string | undefined;
  strict?: boolean | undefined;
}

export interface ConnectionList {
  data: Connection[];
  next_cursor: string | null;
  incomplete?: true;
  errors?: Array<{ provider: string; code: string; detail: string }>;
}

export interface Preconditions {
  /** Raw `If-Match` header value. */
  ifMatch?: string | undefined;
}

export interface Versioned {
  connection: Connection;
  etag: string;
}

const UPDATABLE = ['name', 'status', 'settings', 'credentials'] as const;
type Updatable = (typeof UPDATABLE)[number];
/** Upstream calls one list page may make before it answers with what it has. */
const MAX_LIST_CALLS = 10;

interface ListCursor {
  o: string;
  f: [string | null, string | null];
  p: string;
  c: string | null;
}

export class ConnectionService {
  constructor(private readonly deps: ServiceDeps, private readonly organizations: OrganizationService) {}

  // ---------- reads ----------

  async list(ctx: RequestContext, orgId: string, q: ListQuery): Promise<ConnectionList> {
    const org = await this.organizations.require(ctx, orgId);
    if (q.provider !== undefined && !this.deps.providers.has(q.provider)) {
      throw validationError([{ pointer: '/provider', message: `not a configured provider id (configured: ${[...this.deps.providers.keys()].join(', ')})` }]);
    }
    const linked = [...this.deps.providers.keys()].filter((id) => org.links[id] !== undefined && (q.provider === undefined || q.provider === id)).sort();
    const filter: ListCursor['f'] = [q.provider ?? null, q.status ?? null];
    let position = { p: linked[0], c: null as string | null };
    if (q.cursor) {
      const c = this.deps.cursors.decode<ListCursor>('connections', q.cursor);
      if (c.o !== orgId || c.f[0] !== filter[0] || c.f[1] !== filter[1]) {
        throw validationError([{ pointer: '/cursor', message: 'cursor belongs to another list or filter' }], 'The cursor is not valid.');
      }
      position = { p: c.p, c: c.c };
    }
    let index = position.p === undefined ? linked.length : linked.indexOf(position.p);
    if (index < 0) index = linked.length; // the provider was unlinked mid-walk: nothing left there
    let upstreamCursor = position.c ?? undefined;
    const data: Connection[] = [];
    const errors: NonNullable<ConnectionList['errors']> = [];
    for (let calls = 0; data.length < q.limit && index < linked.length && calls < MAX_LIST_CALLS; calls++) {
      const providerId = linked[index] as string;
      const adapter = this.#adapter(providerId);
      const externalOrgId = org.links[providerId] as string;
      try {
        const page = await adapter.list(ctx, externalOrgId, { limit: q.limit - data.length, cursor: upstreamCursor });
        const mapped = await this.#compose(orgId, adapter, externalOrgId, page.items);
        data.push(...mapped.filter((c) => q.status === undefined || c.status === q.status));
        if (page.nextCursor !== null) {
          upstreamCursor = page.nextCursor;
          continue;
        }
      } catch (e) {
        if (q.strict || !isGatewayError(e) || linked.length === 1) throw e;
        errors.push({ provider: providerId, code: e.code, detail: e.message });
      }
      index += 1;
      upstreamCursor = undefined;
    }
    const nextProvider = linked[index];
    const next = nextProvider === undefined ? null
      : this.deps.cursors.encode('connections', { o: orgId, f: filter, p: nextProvider, c: upstreamCursor ?? null } satisfies ListCursor);
    return errors.length > 0 ? { data, next_cursor: next, incomplete: true, errors } : { data, next_cursor: next };
  }

  async get(ctx: RequestContext, orgId: string, id: string): Promise<Versioned> {
    const { row, adapter } = await this.#locate(ctx, orgId, id);
    return this.#versioned(await this.#fetch(ctx, row, adapter));
  }

  async test(ctx: RequestContext, orgId: string, id: string): Promise<{ ok: boolean; detail: string | null }> {
    const { row, adapter } = await this.#locate(ctx, orgId, id);
    if (!adapter.capabilities.supportsTest || !adapter.test) {
      throw new GatewayError('unsupported_operation', `Provider ${adapter.id} (${adapter.type}) cannot test credentials.`, { provider: adapter.id });
    }
    return this.#subresource(ctx, row, adapter, 'credential test', () => (adapter.test as NonNullable<ProviderAdapter['test']>)(ctx, refOf(row)));
  }

  async jobs(ctx: RequestContext, orgId: string, id: string, page: { limit: number; cursor?: string | undefined }): Promise<{ data: Job[]; next_cursor: string | null }> {
    const { row, adapter } = await this.#locate(ctx, orgId, id);
    if (!adapter.capabilities.supportsJobs || !adapter.jobs) {
      throw new GatewayError('unsupported_operation', `Provider ${adapter.id} (${adapter.type}) has no sync jobs.`, { provider: adapter.id });
    }
    const scope = `jobs:${row.id}`;
    const cursor = page.cursor ? this.deps.cursors.decode<{ c: string }>(scope, page.cursor).c : undefined;
    const result = await this.#subresource(ctx, row, adapter, 'job list', () => (adapter.jobs as NonNullable<ProviderAdapter['jobs']>)(ctx, refOf(row), { limit: page.limit, cursor }));
    return { data: result.items, next_cursor: result.nextCursor === null ? null : this.deps.cursors.encode(scope, { c: result.nextCursor }) };
  }

  // ---------- writes ----------

  async create(ctx: RequestContext, orgId: string, body: unknown): Promise<Versioned> {
    const org = await this.organizations.require(ctx, orgId);
    if (!isObject(body)) throw validationError([{ pointer: '', message: 'must be a JSON object' }]);
    const { provider: providerId, ...rest } = body;
    if (typeof providerId !== 'string' || !this.deps.providers.has(providerId)) {
      throw validationError([{ pointer: '/provider', message: `must be a configured provider id (${[...this.deps.providers.keys()].join(', ')})` }]);
    }
    const externalOrgId = org.links[providerId];
    if (externalOrgId === undefined) {
      throw validationError([{ pointer: '/provider', message: `organization ${orgId} is not linked to provider ${providerId}` }]);
    }
    const adapter = this.#adapter(providerId);
    const unsupported = unsupportedFields(adapter, rest);
    if (unsupported.length > 0) {
      throw new GatewayError('unsupported_change', `Provider ${adapter.id} cannot set these fields.`, { errors: unsupported, provider: adapter.id });
    }
    const input = parseOrThrow(adapter.schemas.create, rest);
    const credentials = input.credentials === undefined ? undefined : new Secret<Credentials>(input.credentials);
    const { credentials: _omit, ...plainInput } = input;
    this.#requireSealer(credentials);

    const id = newId('cn');
    const upstream = await adapter.create(ctx, externalOrgId, plainInput, credentials);
    const now = timestamp(this.deps);
    const row: ConnectionRow = { id, organization_id: orgId, provider_id: providerId, external_org_id: externalOrgId,
      external_id: upstream.external_id, kind: upstream.kind, created_at: now, deleted_at: null };
    const sealed = credentials ? this.#seal(row, adapter, credentials.reveal(), now) : null;
    await this.deps.storage.insertConnection(row, sealed, this.#event(ctx, 'connection.created', row, Object.keys(input), now));
    return this.#versioned(this.#canonical(row, adapter, upstream, sealed));
  }

  async patch(ctx: RequestContext, orgId: string, id: string, body: unknown, pre: Preconditions): Promise<Versioned> {
    const { row, adapter } = await this.#locate(ctx, orgId, id);
    const change = this.#validateChange(adapter, row, body, 'patch');
    return this.#applyChange(ctx, row, adapter, change, pre);
  }

  async replace(ctx: RequestContext, orgId: string, id: string, body: unknown, pre: Preconditions): Promise<Versioned> {
    const { row, adapter } = await this.#locate(ctx, orgId, id);
    const change = this.#validateChange(adapter, row, body, 'put');
    return this.#applyChange(ctx, row, adapter, change, pre);
  }

  async delete(ctx: RequestContext, orgId: string, id: string, pre: Preconditions): Promise<void> {
    const { row, adapter } = await this.#locate(ctx, orgId, id);
    await this.deps.storage.withConnectionLock(row.id, async () => {
      if (pre.ifMatch !== undefined) this.#checkIfMatch(pre.ifMatch, await this.#fetch(ctx, row, adapter));
      await this.#upstream(row, () => adapter.delete(ctx, refOf(row)));
      const now = timestamp(this.deps);
      await this.deps.storage.markConnectionDeleted(row.id, now, this.#event(ctx, 'connection.deleted', row, [], now));
    });
  }

  // ---------- internals ----------

  /**
   * Checks a PATCH (merge patch) or PUT body against what the provider can change. Unsupported
   * fields are 422 before any upstream call; malformed ones are 400 naming each pointer.
   */
  #validateChange(adapter: ProviderAdapter, row: ConnectionRow, body: unknown, mode: 'patch' | 'put'): ConnectionChange {
    if (!isObject(body)) throw validationError([{ pointer: '', message: 'must be a JSON object' }]);
    const caps = adapter.capabilities;
    const unknown = Object.keys(body).filter((k) => !(UPDATABLE as readonly string[]).includes(k));
    const problems: FieldProblem[] = unknown.map((k) => ({ pointer: `/${k}`, message: 'unknown field' }));
    if (mode === 'put') {
      const required: Updatable[] = [];
      if (caps.writableName) required.push('name');
      if (caps.writableStatus.length > 0) required.push('status');
      if (adapter.schemas.settings) required.push('settings');
      for (const k of required) if (!(k in body)) problems.push({ pointer: `/${k}`, message: 'required in a full replacement (PUT)' });
    }
    if (problems.length > 0) throw validationError(problems);

    const unsupported = unsupportedFields(adapter, body);
    if (typeof body['status'] === 'string' && caps.writableStatus.length > 0 && ConnectionStatus.safeParse(body['status']).success
      && !caps.writableStatus.includes(body['status'] as ConnectionStatus)) {
      unsupported.push({ pointer: '/status', message: `status can be set to ${caps.writableStatus.join(' or ')} on ${adapter.type}` });
    }
    if (unsupported.length > 0) {
      throw new GatewayError('unsupported_change', `Provider ${adapter.id} cannot make this change.`, { errors: unsupported, provider: adapter.id });
    }

    const change: ConnectionChange = {};
    const bad: FieldProblem[] = [];
    const check = <T>(key: Updatable, schema: z.ZodType<T>, assign: (v: T) => void): void => {
      if (!(key in body)) return;
      const r = schema.safeParse(body[key]);
      if (r.success) assign(r.data);
      else bad.push(...problemsOf(r.error, `/${key}`));
    };
    check('name', caps.nullableName ? adapter.schemas.name : adapter.schemas.name.refine((v) => v !== null, 'must not be null'), (v) => { change.name = v; });
    check('status', ConnectionStatus, (v) => { change.status = v; });
    if (adapter.schemas.settings) check('settings', adapter.schemas.settings, (v) => { change.settings = v; });
    const credentialSchema = adapter.schemas.credentials(row.kind);
    if (credentialSchema) check('credentials', credentialSchema, (v) => { change.credentials = new Secret(v); });
    if (bad.length > 0) throw validationError(bad);
    this.#requireSealer(change.credentials);
    return change;
  }

  async #applyChange(ctx: RequestContext, row: ConnectionRow, adapter: ProviderAdapter, change: ConnectionChange, pre: Preconditions): Promise<Versioned> {
    // Every write holds the connection's lock: for replace-model upstreams it is what keeps the
    // read-merge-write atomic; for patch-model upstreams it orders If-Match checks with writes.
    return this.deps.storage.withConnectionLock(row.id, async () => {
      const needsCurrent = pre.ifMatch !== undefined || adapter.capabilities.updateModel === 'replace' || Object.keys(change).length === 0;
      const current = needsCurrent ? await this.#fetch(ctx, row, adapter) : null;
      if (current && pre.ifMatch !== undefined) this.#checkIfMatch(pre.ifMatch, current);
      if (Object.keys(change).length === 0 && current) return this.#versioned(current);

      let upstream: UpstreamConnection;
      if (isPatchModel(adapter)) {
        upstream = await this.#upstream(row, () => adapter.patch(ctx, refOf(row), change));
      } else {
        const cur = current as Connection;
        const credentials = change.credentials ?? (await this.#storedCredentials(row));
        if (!credentials) {
          throw new GatewayError('credentials_required', `Provider ${adapter.id} only replaces whole connections and the gateway holds no copy of this connection's credentials; send "credentials" with the change.`,
            { provider: adapter.id, errors: [{ pointer: '/credentials', message: 'required: no stored copy to replay' }] });
        }
        const state: ConnectionState = {
          name: 'name' in change ? (change.name ?? null) : cur.name,
          status: change.status ?? cur.status,
          settings: { ...cur.settings, ...change.settings },
          credentials,
        };
        upstream = await this.#upstream(row, () => (adapter as ReplaceModelAdapter).replace(ctx, refOf(row), state));
      }
      const now = timestamp(this.deps);
      const sealed = change.credentials ? this.#seal(row, adapter, change.credentials.reveal(), now) : null;
      await this.deps.storage.recordConnectionUpdate(sealed, this.#event(ctx, 'connection.updated', row, Object.keys(change), now));
      const meta = sealed ?? (await this.deps.storage.credentialMeta([row.id])).get(row.id) ?? null;
      return this.#versioned(this.#canonical(row, adapter, upstream, meta));
    });
  }

  async #storedCredentials(row: ConnectionRow): Promise<Secret<Credentials> | null> {
    const stored = await this.deps.storage.getCredential(row.id);
    if (!stored) return null;
    if (!this.deps.sealer) throw new GatewayError('internal', 'Stored credentials exist but no encryption key is configured.');
    const value = this.deps.sealer.open({ keyId: stored.key_id, nonce: stored.nonce, ciphertext: stored.ciphertext }, sealContext(row));
    return new Secret(value as Credentials);
  }

  #requireSealer(credentials: Secret<Credentials> | undefined): void {
    if (credentials && !this.deps.sealer) {
      // Start-up refuses this configuration; this guard keeps plaintext from ever being written.
      throw new GatewayError('internal', 'Credentials cannot be accepted: no encryption key is configured.');
    }
  }

  #seal(row: ConnectionRow, adapter: ProviderAdapter, credentials: Credentials, now: string): SealedCredentialRow {
    const sealed = (this.deps.sealer as NonNullable<ServiceDeps['sealer']>).seal(credentials, sealContext(row));
    return { connection_id: row.id, organization_id: row.organization_id, key_id: sealed.keyId, nonce: sealed.nonce, ciphertext: sealed.ciphertext,
      credential_type: adapter.credentialType?.(row.kind, credentials) ?? null, updated_at: now };
  }

  #checkIfMatch(ifMatch: string, current: Connection): void {
    if (!etagMatches(ifMatch, etagOf(current))) {
      throw new GatewayError('precondition_failed', 'If-Match does not match the current version of the connection; nothing was changed.');
    }
  }

  async #locate(ctx: RequestContext, orgId: string, id: string): Promise<{ row: ConnectionRow; adapter: ProviderAdapter }> {
    await this.organizations.require(ctx, orgId);
    const row = await this.deps.storage.getConnection(id);
    const adapter = row ? this.deps.providers.get(row.provider_id) : undefined;
    if (!row || row.deleted_at !== null || row.organization_id !== orgId || !adapter) {
      throw new GatewayError('not_found', `No connection ${JSON.stringify(id)} in organization ${JSON.stringify(orgId)}.`);
    }
    return { row, adapter };
  }

  async #fetch(ctx: RequestContext, row: ConnectionRow, adapter: ProviderAdapter): Promise<Connection> {
    const upstream = await this.#upstream(row, () => adapter.get(ctx, refOf(row)));
    const meta = (await this.deps.storage.credentialMeta([row.id])).get(row.id) ?? null;
    return this.#canonical(row, adapter, upstream, meta);
  }

  /**
   * Runs an upstream call on something below the connection (its test, its jobs). A 404 there does
   * not prove the connection is gone (the path may be one the provider does not serve): the
   * connection itself is read to tell. Gone → its id is retired and the answer is 404; still there
   * → the id is kept and the answer is 502 saying which call the provider refused.
   */
  async #subresource<T>(ctx: RequestContext, row: ConnectionRow, adapter: ProviderAdapter, what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (!isGatewayError(e) || e.code !== 'not_found') throw e;
      await this.#upstream(row, () => adapter.get(ctx, refOf(row)));
      throw new GatewayError('upstream_error',
        `Provider ${adapter.id} answered 404 to the ${what} of connection ${row.id}, which still exists there; the connection keeps its id.`,
        { provider: adapter.id, upstreamStatus: 404 });
    }
  }

  /** Runs an upstream call on the connection itself; a 404 there means it is gone, so its id is retired (tombstoned). */
  async #upstream<T>(row: ConnectionRow, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (isGatewayError(e) && e.code === 'not_found') {
        await this.deps.storage.markConnectionDeleted(row.id, timestamp(this.deps), null);
        throw new GatewayError('not_found', `Connection ${row.id} no longer exists at provider ${row.provider_id}.`, { provider: row.provider_id, upstreamStatus: 404 });
      }
      throw e;
    }
  }

  async #compose(orgId: string, adapter: ProviderAdapter, externalOrgId: string, items: UpstreamConnection[]): Promise<Connection[]> {
    const now = timestamp(this.deps);
    const rows = await this.deps.storage.ensureConnections(items.map((u) => ({ organization_id: orgId, provider_id: adapter.id,
      external_org_id: externalOrgId, external_id: u.external_id, kind: u.kind, new_id: newId('cn') })), now);
    const meta = await this.deps.storage.credentialMeta(rows.map((r) => r.id));
    return items.map((u, i) => this.#canonical(rows[i] as ConnectionRow, adapter, u, meta.get((rows[i] as ConnectionRow).id) ?? null));
  }

  #canonical(row: ConnectionRow, adapter: ProviderAdapter, u: UpstreamConnection, stored: CredentialMeta | null): Connection {
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
      created_at: u.created_at,
      updated_at: u.updated_at,
    };
  }

  #versioned(connection: Connection): Versioned {
    return { connection, etag: etagOf(connection) };
  }

  #event(ctx: RequestContext, type: string, row: ConnectionRow, changed: string[], at: string): NewEvent {
    return { id: newId('ev'), type, organization_id: row.organization_id, connection_id: row.id, actor: ctx.caller.actor,
      changed: changed.sort(), request_id: ctx.requestId, at };
  }

  #adapter(providerId: string): ProviderAdapter {
    return this.deps.providers.get(providerId) as ProviderAdapter;
  }
}

/**
 * Fields of a create or change body that this provider entry cannot set at all, as the problems of
 * a 422 `unsupported_change` (checked before values, so a caller learns the field is not writable
 * rather than that its value is wrong).
 */
function unsupportedFields(adapter: ProviderAdapter, body: Record<string, unknown>): FieldProblem[] {
  const caps = adapter.capabilities;
  const out: FieldProblem[] = [];
  const where = `${adapter.id} (${adapter.type})`;
  if ('name' in body && !caps.writableName) out.push({ pointer: '/name', message: `name is not writable on ${where}` });
  if ('status' in body && caps.writableStatus.length === 0) out.push({ pointer: '/status', message: `status is not writable on ${where}` });
  if ('settings' in body && !adapter.schemas.settings) out.push({ pointer: '/settings', message: `${where} connections have no writable settings` });
  const settings = body['settings'];
  if (adapter.schemas.settings && isObject(settings)) {
    for (const key of Object.keys(settings)) {
      if (caps.unsupportedSettings.includes(key)) out.push({ pointer: `/settings/${key}`, message: `${key} is not available on ${where}` });
    }
  }
  if ('credentials' in body && !caps.supportsCredentials) out.push({ pointer: '/credentials', message: `${where} connections hold no credentials the gateway can set` });
  return out;
}

function isPatchModel(a: ProviderAdapter): a is PatchModelAdapter {
  return a.capabilities.updateModel === 'patch';
}

function refOf(row: ConnectionRow): ConnectionRef {
  return { connectionId: row.id, externalOrgId: row.external_org_id, externalId: row.external_id, kind: row.kind };
}

function sealContext(row: ConnectionRow): SealContext {
  return { organizationId: row.organization_id, connectionId: row.id };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
