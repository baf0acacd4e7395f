import type { ConnectionRef, ProviderAdapter } from '../adapter.js';
import type { UpstreamConnection } from '../connection.js';
import { canSeeOrganization } from '../caller.js';
import { canonicalConnection } from './canonical.js';
import type { CreateIntents } from './create-intents.js';
import { GatewayError } from '../errors.js';
import { newId } from '../ids.js';
import type { RequestContext } from '../services/context.js';
import { gatewayEvent } from '../services/events.js';
import { unsafeSegment } from '../segment.js';
import type { OrganizationService } from '../services/organizations.js';
import type { Attribution, ConnectionRow, CredentialMeta, NewEvent, Storage } from '../storage.js';

/**
 * Told of every list page adopted into the index (connect sessions recognise a provider flow's
 * result there): the page's upstream connections, their rows and which rows are new. It answers
 * the attributions it gave (by index), which the page's rows then carry.
 */
export type AdoptionListener = (
  requestId: string | null,
  orgId: string,
  adapter: ProviderAdapter,
  items: readonly UpstreamConnection[],
  rows: readonly ConnectionRow[],
  fresh: ReadonlySet<number>,
) => Promise<ReadonlyMap<number, Attribution>>;

/**
 * The connection index: the gateway's `cn_…` ids ↔ provider + upstream ids. Finds a caller's
 * connection, adopts upstream connections first seen in a list (minting their ids), and retires
 * ids whose upstream connection is gone. A retired id is never reused.
 */
export interface Located {
  row: ConnectionRow;
  adapter: ProviderAdapter;
  /** Its stored-credential facts as of the lookup (a read under the connection's lock reads them again). */
  credential: CredentialMeta | null;
}

export class ConnectionIndex {
  readonly #seen = new WeakMap<RequestContext, Map<string, Located>>();
  #listener: AdoptionListener | null = null;

  /** The one listener of adopted list pages (set once at start-up). */
  onAdopted(listener: AdoptionListener): void {
    this.#listener = listener;
  }

  constructor(
    private readonly storage: Storage,
    private readonly providers: ReadonlyMap<string, ProviderAdapter>,
    private readonly organizations: OrganizationService,
    private readonly intents: CreateIntents,
  ) {}

  /**
   * The live connection `id` of organization `orgId` and its adapter, or 404 (also for another
   * organization's id). One storage lookup finds both the organization and the connection; the
   * answer is kept for the request, so the route's guard and the service share it.
   */
  async locate(ctx: RequestContext, orgId: string, id: string): Promise<Located> {
    const key = `${orgId}\u0000${id}`;
    const seen = this.#seen.get(ctx)?.get(key);
    if (seen) return seen;
    const found = canSeeOrganization(ctx.caller, orgId)
      ? await this.storage.getConnectionWithOrganization(orgId, id)
      : null;
    if (!found) throw new GatewayError('not_found', `No organization ${JSON.stringify(orgId)}.`);
    this.organizations.remember(ctx, found.organization);
    const row = found.connection;
    const adapter = row ? this.providers.get(row.provider_id) : undefined;
    if (!row || row.deleted_at !== null || row.organization_id !== orgId || !adapter) {
      throw new GatewayError(
        'not_found',
        `No connection ${JSON.stringify(id)} in organization ${JSON.stringify(orgId)}.`,
      );
    }
    const located = { row, adapter, credential: found.credential };
    let map = this.#seen.get(ctx);
    if (!map) this.#seen.set(ctx, (map = new Map()));
    map.set(key, located);
    return located;
  }

  /**
   * Index rows for upstream connections seen in a list, in the same order; new ones get an id
   * here (and a `connection.discovered` event, with their snapshot), unless one is the connection
   * of a create left unsettled (it gets that create's id).
   */
  async adoptListed(
    orgId: string,
    adapter: ProviderAdapter,
    externalOrgId: string,
    items: UpstreamConnection[],
    now: string,
    requestId: string | null,
  ): Promise<ConnectionRow[]> {
    for (const u of items) requireSafeExternalId(adapter, u);
    await this.intents.adoptListed(orgId, adapter, externalOrgId, items);
    const fresh = new Set<number>();
    const rows = await this.storage.ensureConnections(
      items.map((u) => ({
        organization_id: orgId,
        provider_id: adapter.id,
        external_org_id: externalOrgId,
        external_id: u.external_id,
        kind: u.kind,
        new_id: newId('cn'),
      })),
      now,
      (row, i) => {
        fresh.add(i);
        return {
          ...gatewayEvent('connection.discovered', row, [], now, requestId),
          connection: canonicalConnection(row, adapter, items[i] as UpstreamConnection, null),
        };
      },
    );
    if (!this.#listener) return rows;
    const given = await this.#listener(requestId, orgId, adapter, items, rows, fresh);
    return given.size === 0 ? rows : rows.map((r, i) => ({ ...r, ...given.get(i) }));
  }

  /** Retires an id: the upstream connection was deleted by the caller (its event given). */
  retire(row: ConnectionRow, at: string, event: NewEvent): Promise<void> {
    return this.storage.markConnectionDeleted(row.id, at, event);
  }

  /** Retires an id whose upstream connection is gone (a 404 there, or missing from a whole list): `connection.removed_upstream`. */
  gone(row: ConnectionRow, at: string, requestId: string | null): Promise<void> {
    return this.storage.markConnectionDeleted(row.id, at, {
      ...gatewayEvent('connection.removed_upstream', row, [], at, requestId),
      connection: null,
    });
  }
}

/**
 * A connection id an upstream gives out becomes a segment of the later upstream paths of that
 * connection (read, change, delete). One that is not a safe segment (`..`, a separator; see
 * core/segment.ts) is no provider's documented id: the answer is the provider's fault (502),
 * and the id is never stored, so no upstream answer can bend a later path.
 */
export function requireSafeExternalId(adapter: ProviderAdapter, u: UpstreamConnection): void {
  const problem = unsafeSegment(u.external_id);
  if (problem !== null) {
    throw new GatewayError(
      'upstream_error',
      `Provider ${adapter.id} answered with a connection id the gateway will not use in a path (it ${problem}).`,
      { provider: adapter.id },
    );
  }
}

export function refOf(row: ConnectionRow): ConnectionRef {
  return {
    connectionId: row.id,
    externalOrgId: row.external_org_id,
    externalId: row.external_id,
    kind: row.kind,
  };
}
