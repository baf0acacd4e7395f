import {
  isPatchModel,
  type CallContext,
  type ConnectionChange,
  type ConnectionState,
  type Credentials,
  type ProviderAdapter,
  type ReplaceModelAdapter,
} from '../adapter.js';
import type { Connection, Job, UpstreamConnection } from '../connection.js';
import type { CursorCodec } from '../cursor.js';
import { etagMatches, etagOf } from '../etag.js';
import { GatewayError, isGatewayError, validationError } from '../errors.js';
import { newId } from '../ids.js';
import { Secret } from '../secret.js';
import { timestamp, type RequestContext, type ServiceDeps } from '../services/context.js';
import { auditEvent } from '../services/events.js';
import type { OrganizationService } from '../services/organizations.js';
import type {
  Attribution,
  ConnectionRow,
  CreateIntentRow,
  CredentialMeta,
  NewEvent,
  Storage,
} from '../storage.js';
import { canonicalConnection, versioned, type Versioned } from './canonical.js';
import {
  refuseUnsupported,
  unsupportedFields,
  validateChange,
  type ChangeBody,
  type ChangeMode,
} from './change.js';
import { ConnectionIndex, refOf, requireSafeExternalId, type AdoptionListener } from './connection-index.js';
import { ConnectionLister, type ConnectionList, type ListQuery } from './connection-list.js';
import type { CreateConnectionInput } from './create-body.js';
import { CreateIntents } from './create-intents.js';
import { CredentialVault } from './credential-vault.js';

export type { ChangeBody, ConnectionList, CreateConnectionInput, ListQuery, Versioned };

export interface Preconditions {
  /** Raw `If-Match` header value. */
  ifMatch?: string | undefined;
}

/**
 * Runs reads and writes of connections. The jobs around it live in their own modules: change
 * validation (change.ts), the list fan-out (connection-list.ts), the credential vault
 * (credential-vault.ts) and the connection index (connection-index.ts). Every write holds the
 * connection's lock.
 */
export class ConnectionService {
  readonly #deps: ServiceDeps;
  readonly #storage: Storage;
  readonly #index: ConnectionIndex;
  readonly #vault: CredentialVault;
  readonly #lister: ConnectionLister;
  readonly #organizations: OrganizationService;
  readonly #intents: CreateIntents;

  constructor(deps: ServiceDeps, organizations: OrganizationService) {
    this.#deps = deps;
    this.#storage = deps.storage;
    this.#organizations = organizations;
    this.#intents = new CreateIntents(deps.storage, deps.providers, deps.logger, () => timestamp(deps));
    this.#index = new ConnectionIndex(deps.storage, deps.providers, organizations, this.#intents);
    this.#vault = new CredentialVault(deps.storage, deps.sealer);
    this.#lister = new ConnectionLister(
      deps.providers,
      deps.cursors as CursorCodec,
      organizations,
      this.#index,
      this.#vault,
      deps.now,
    );
  }

  /** Who hears of adopted list pages (connect sessions' provider flows). */
  onAdopted(listener: AdoptionListener): void {
    this.#index.onAdopted(listener);
  }

  // ---------- reads ----------

  /** 404 unless organization `orgId` (the caller's) has a live connection `id`: the guard of a connection's routes. */
  async requireConnection(ctx: RequestContext, orgId: string, id: string): Promise<void> {
    await this.#index.locate(ctx, orgId, id);
  }

  list(ctx: RequestContext, orgId: string, q: ListQuery): Promise<ConnectionList> {
    return this.#lister.list(ctx, orgId, q);
  }

  /** Every connection of an organization at one provider entry, walked page by page through the list path (the monitor's read). */
  walkProvider(
    ctx: RequestContext,
    orgId: string,
    externalOrgId: string,
    providerId: string,
    pageSize: number,
    onPage: (items: Connection[]) => Promise<void>,
    retry: (e: unknown) => Promise<boolean>,
  ): Promise<void> {
    return this.#lister.walk(ctx, orgId, externalOrgId, providerId, pageSize, onPage, retry);
  }

  async get(ctx: RequestContext, orgId: string, id: string): Promise<Versioned> {
    const { row, adapter, credential } = await this.#index.locate(ctx, orgId, id);
    return versioned(await this.#fetch(ctx, row, adapter, credential));
  }

  async test(
    ctx: RequestContext,
    orgId: string,
    id: string,
  ): Promise<{ ok: boolean; detail: string | null }> {
    const { row, adapter } = await this.#index.locate(ctx, orgId, id);
    const test = adapter.capabilities.supportsTest ? adapter.test?.bind(adapter) : undefined;
    if (!test)
      throw new GatewayError(
        'unsupported_operation',
        `Provider ${adapter.id} (${adapter.type}) cannot test credentials.`,
        { provider: adapter.id },
      );
    return this.#subresource(ctx, row, adapter, 'credential test', () => test(ctx, refOf(row)));
  }

  async jobs(
    ctx: RequestContext,
    orgId: string,
    id: string,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<{ data: Job[]; next_cursor: string | null }> {
    const { row, adapter } = await this.#index.locate(ctx, orgId, id);
    const jobs = adapter.capabilities.supportsJobs ? adapter.jobs?.bind(adapter) : undefined;
    if (!jobs)
      throw new GatewayError(
        'unsupported_operation',
        `Provider ${adapter.id} (${adapter.type}) has no sync jobs.`,
        { provider: adapter.id },
      );
    const scope = `jobs:${row.id}`;
    const cursor = page.cursor ? this.#deps.cursors.decode<{ c: string }>(scope, page.cursor).c : undefined;
    const result = await this.#subresource(ctx, row, adapter, 'job list', () =>
      jobs(ctx, refOf(row), { limit: page.limit, cursor }),
    );
    return {
      data: result.items,
      next_cursor:
        result.nextCursor === null ? null : this.#deps.cursors.encode(scope, { c: result.nextCursor }),
    };
  }

  // ---------- writes ----------

  /**
   * `input` was parsed by the provider entry's create schema (createBodySchema); it is not parsed
   * again. The create is recorded as an intent before the upstream call and becomes the connection
   * in one transaction after it (create-intents.ts), so no crash leaves an upstream connection the
   * gateway does not know.
   */
  async create(
    ctx: RequestContext,
    orgId: string,
    input: CreateConnectionInput,
    attribution: Attribution | null = null,
  ): Promise<Versioned> {
    const org = await this.#organizations.require(ctx, orgId);
    const { provider: providerId, credentials: rawCredentials, ...plain } = input;
    const adapter = this.#deps.providers.get(providerId);
    if (!adapter)
      throw validationError([
        {
          pointer: '/provider',
          message: `must be a configured provider id (${[...this.#deps.providers.keys()].join(', ')})`,
        },
      ]);
    const externalOrgId = org.links[providerId];
    if (externalOrgId === undefined) {
      throw validationError([
        { pointer: '/provider', message: `organization ${orgId} is not linked to provider ${providerId}` },
      ]);
    }
    refuseUnsupported(
      adapter,
      unsupportedFields(adapter, input),
      `Provider ${adapter.id} cannot set these fields.`,
    );
    const credentials = rawCredentials === undefined ? undefined : new Secret<Credentials>(rawCredentials);
    this.#vault.requireSealer(credentials);

    // A retry of a create that never got its answer (same Idempotency-Key): settle that one first.
    if (ctx.idempotency !== undefined) {
      const previous = await this.#settleRetried(ctx, ctx.idempotency);
      if (previous) return previous;
    }

    const now = timestamp(this.#deps);
    const draft: ConnectionRow = {
      id: newId('cn'),
      organization_id: orgId,
      provider_id: providerId,
      external_org_id: externalOrgId,
      external_id: '',
      kind: typeof plain.kind === 'string' ? plain.kind : '',
      created_at: now,
      deleted_at: null,
      end_user: attribution?.end_user ?? null,
      metadata: attribution?.metadata ?? null,
    };
    const sealed = credentials ? this.#vault.seal(draft, adapter, credentials, now) : null;
    const changed = Object.keys(input).filter((k) => k !== 'provider');
    const intent: CreateIntentRow = {
      id: draft.id,
      organization_id: orgId,
      provider_id: providerId,
      external_org_id: externalOrgId,
      expected: adapter.expectedUpstream(plain),
      changed,
      actor: ctx.caller.actor,
      request_id: ctx.requestId,
      idempotency: ctx.idempotency ?? null,
      attribution,
      credential: sealed
        ? {
            key_id: sealed.key_id,
            nonce: sealed.nonce,
            ciphertext: sealed.ciphertext,
            credential_type: sealed.credential_type,
            updated_at: now,
          }
        : null,
      created_at: now,
    };
    await this.#intents.begin(intent);
    let upstream: UpstreamConnection;
    try {
      upstream = await adapter.create(ctx, externalOrgId, plain, credentials);
      requireSafeExternalId(adapter, upstream);
    } catch (e) {
      await this.#intents.fail(intent, e);
      throw e;
    }
    const row: ConnectionRow = { ...draft, external_id: upstream.external_id, kind: upstream.kind };
    const created = canonicalConnection(row, adapter, upstream, sealed);
    if (
      !(await this.#intents.complete(intent, upstream, {
        ...this.#event(ctx, 'connection.created', row, changed, now),
        connection: created,
      }))
    ) {
      // A list adopted it meanwhile: under this intent's id when it matched, else under its own.
      const live = await this.#storage.findLiveConnection(
        orgId,
        providerId,
        externalOrgId,
        upstream.external_id,
      );
      if (!live) {
        // Deleted while the provider was creating it: nothing is kept under an organization that is gone.
        throw new GatewayError(
          'not_found',
          `Organization ${JSON.stringify(orgId)} was deleted while the connection was being created; provider ${providerId} holds it as ${upstream.external_id}, which the gateway does not keep.`,
          { provider: providerId },
        );
      }
      return versioned(
        canonicalConnection(
          live,
          adapter,
          upstream,
          (await this.#vault.meta([live.id])).get(live.id) ?? null,
        ),
      );
    }
    return versioned(created);
  }

  /**
   * Settles creates left unsettled (crash, timeout, a caller who left): at start and every few
   * minutes (the gateway schedules it).
   */
  reconcileCreates(): Promise<{ adopted: number; dropped: number }> {
    return this.#intents.reconcile();
  }

  /** The connection an earlier attempt of this create made, once settled; null when it made none. */
  async #settleRetried(ctx: RequestContext, idempotency: string): Promise<Versioned | null> {
    const pending = (await this.#storage.pendingCreateIntents()).find((i) => i.idempotency === idempotency);
    if (!pending) return null;
    await this.#intents.reconcile((i) => i.id === pending.id);
    const settled = await this.#storage.getConnection(pending.id);
    if (!settled || settled.deleted_at !== null) return null;
    const adapter = this.#deps.providers.get(settled.provider_id) as ProviderAdapter;
    return versioned(await this.#fetch(ctx, settled, adapter));
  }

  patch(
    ctx: RequestContext,
    orgId: string,
    id: string,
    body: ChangeBody,
    pre: Preconditions,
  ): Promise<Versioned> {
    return this.#change(ctx, orgId, id, body, pre, 'patch');
  }

  replace(
    ctx: RequestContext,
    orgId: string,
    id: string,
    body: ChangeBody,
    pre: Preconditions,
  ): Promise<Versioned> {
    return this.#change(ctx, orgId, id, body, pre, 'put');
  }

  /**
   * A reconnect through a connect session: the change (new credentials; none for a new consent)
   * applied as a PATCH is, and the connection then carries the session's end user and metadata.
   */
  reconnect(
    ctx: RequestContext,
    orgId: string,
    id: string,
    body: ChangeBody,
    attribution: Attribution,
  ): Promise<Versioned> {
    return this.#change(ctx, orgId, id, body, {}, 'patch', attribution);
  }

  async delete(ctx: RequestContext, orgId: string, id: string, pre: Preconditions): Promise<void> {
    const { row, adapter } = await this.#index.locate(ctx, orgId, id);
    await this.#storage.locks.run(row.id, async () => {
      if (pre.ifMatch !== undefined) checkIfMatch(pre.ifMatch, await this.#fetch(fresh(ctx), row, adapter));
      await this.#upstream(ctx, row, () => adapter.delete(ctx, refOf(row)));
      const now = timestamp(this.#deps);
      await this.#index.retire(row, now, {
        ...this.#event(ctx, 'connection.deleted', row, [], now),
        connection: null,
      });
    });
  }

  // ---------- internals ----------

  async #change(
    ctx: RequestContext,
    orgId: string,
    id: string,
    body: ChangeBody,
    pre: Preconditions,
    mode: ChangeMode,
    attribution?: Attribution,
  ): Promise<Versioned> {
    const located = await this.#index.locate(ctx, orgId, id);
    const adapter = located.adapter;
    const row: ConnectionRow = attribution ? { ...located.row, ...attribution } : located.row;
    const change = validateChange(adapter, row.kind, body, mode);
    this.#vault.requireSealer(change.credentials);
    // Every write holds the connection's lock: for replace-model upstreams it keeps the
    // read-merge-write atomic; for patch-model upstreams it orders If-Match checks with writes.
    return this.#storage.locks.run(row.id, async () => {
      // Reads under the lock precede a write: they go to the provider, never to a cache.
      const writeCtx = fresh(ctx);
      const empty = Object.keys(change).length === 0;
      const needsCurrent =
        pre.ifMatch !== undefined || adapter.capabilities.updateModel === 'replace' || empty;
      const current = needsCurrent ? await this.#fetch(writeCtx, row, adapter) : null;
      if (current && pre.ifMatch !== undefined) checkIfMatch(pre.ifMatch, current);
      if (empty && current && !attribution) return versioned(current);

      const upstream = empty
        ? await this.#upstream(ctx, row, () => adapter.get(writeCtx, refOf(row)))
        : isPatchModel(adapter)
          ? await this.#upstream(ctx, row, () => adapter.patch(writeCtx, refOf(row), change))
          : await this.#replace(writeCtx, row, adapter, change, current as Connection);
      const now = timestamp(this.#deps);
      const sealed = change.credentials ? this.#vault.seal(row, adapter, change.credentials, now) : null;
      const meta = sealed ?? (await this.#vault.meta([row.id])).get(row.id) ?? null;
      const changed = canonicalConnection(row, adapter, upstream, meta);
      const fields = [...Object.keys(change), ...(attribution ? ['end_user', 'metadata'] : [])];
      const event = { ...this.#event(ctx, 'connection.updated', row, fields, now), connection: changed };
      await this.#storage.transaction(async (tx) => {
        if (attribution) await tx.setConnectionAttribution(row.id, attribution);
        await tx.recordConnectionUpdate(sealed, event);
      });
      return versioned(changed);
    });
  }

  /** Read-merge-write for an upstream that only replaces whole connections, replaying sealed credentials. */
  async #replace(
    ctx: CallContext,
    row: ConnectionRow,
    adapter: ReplaceModelAdapter,
    change: ConnectionChange,
    current: Connection,
  ): Promise<UpstreamConnection> {
    const credentials = change.credentials ?? (await this.#vault.replayable(row));
    if (!credentials) {
      throw new GatewayError(
        'credentials_required',
        `Provider ${adapter.id} only replaces whole connections and the gateway holds no copy of this connection's credentials; send "credentials" with the change.`,
        {
          provider: adapter.id,
          errors: [{ pointer: '/credentials', message: 'required: no stored copy to replay' }],
        },
      );
    }
    const state: ConnectionState = {
      name: 'name' in change ? (change.name ?? null) : current.name,
      status: change.status ?? current.status,
      settings: { ...current.settings, ...change.settings },
      credentials,
    };
    return this.#upstream(ctx, row, () => adapter.replace(ctx, refOf(row), state));
  }

  /** The canonical connection as the provider has it now; `credential` when already read (a plain read), else read here (under the lock). */
  async #fetch(
    ctx: CallContext,
    row: ConnectionRow,
    adapter: ProviderAdapter,
    credential?: CredentialMeta | null,
  ): Promise<Connection> {
    const upstream = await this.#upstream(ctx, row, () => adapter.get(ctx, refOf(row)));
    const meta =
      credential !== undefined ? credential : ((await this.#vault.meta([row.id])).get(row.id) ?? null);
    return canonicalConnection(row, adapter, upstream, meta);
  }

  /**
   * Runs an upstream call on something below the connection (its test, its jobs). A 404 there does
   * not prove the connection is gone (the path may be one the provider does not serve): the
   * connection itself is read to tell. Gone → its id is retired and the answer is 404; still there
   * → the id is kept and the answer is 502 saying which call the provider refused.
   */
  async #subresource<T>(
    ctx: CallContext,
    row: ConnectionRow,
    adapter: ProviderAdapter,
    what: string,
    call: () => Promise<T>,
  ): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (!isGatewayError(e) || e.code !== 'not_found') throw e;
      await this.#upstream(ctx, row, () => adapter.get(ctx, refOf(row)));
      throw new GatewayError(
        'upstream_error',
        `Provider ${adapter.id} answered 404 to the ${what} of connection ${row.id}, which still exists there; the connection keeps its id.`,
        { provider: adapter.id, upstreamStatus: 404 },
      );
    }
  }

  /** Runs an upstream call on the connection itself; a 404 there means it is gone, so its id is retired. */
  async #upstream<T>(ctx: CallContext, row: ConnectionRow, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (isGatewayError(e) && e.code === 'not_found') {
        await this.#index.gone(row, timestamp(this.#deps), ctx.requestId);
        throw new GatewayError(
          'not_found',
          `Connection ${row.id} no longer exists at provider ${row.provider_id}.`,
          { provider: row.provider_id, upstreamStatus: 404 },
        );
      }
      throw e;
    }
  }

  #event(ctx: RequestContext, type: string, row: ConnectionRow, changed: string[], at: string): NewEvent {
    return auditEvent(ctx, type, row.organization_id, row.id, changed, at);
  }
}

/** The context of a read that precedes a write. */
function fresh<C extends CallContext>(ctx: C): C {
  return { ...ctx, fresh: true };
}

function checkIfMatch(ifMatch: string, current: Connection): void {
  if (!etagMatches(ifMatch, etagOf(current))) {
    throw new GatewayError(
      'precondition_failed',
      'If-Match does not match the current version of the connection; nothing was changed.',
    );
  }
}
