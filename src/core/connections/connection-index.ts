import type { ConnectionRef, ProviderAdapter } from '../adapter.js';
import type { UpstreamConnection } from '../connection.js';
import { GatewayError } from '../errors.js';
import { newId } from '../ids.js';
import type { RequestContext } from '../services/context.js';
import type { OrganizationService } from '../services/organizations.js';
import type { ConnectionRow, NewEvent, Storage } from '../../storage/storage.js';

/**
 * The connection index: the gateway's `cn_…` ids ↔ provider + upstream ids. Finds a caller's
 * connection, adopts upstream connections first seen in a list (minting their ids), and retires
 * ids whose upstream connection is gone. A retired id is never reused.
 */
export class ConnectionIndex {
  constructor(
    private readonly storage: Storage,
    private readonly providers: ReadonlyMap<string, ProviderAdapter>,
    private readonly organizations: OrganizationService,
  ) {}

  /** The live connection `id` of organization `orgId` and its adapter, or 404 (also for another organization's id). */
  async locate(ctx: RequestContext, orgId: string, id: string): Promise<{ row: ConnectionRow; adapter: ProviderAdapter }> {
    await this.organizations.require(ctx, orgId);
    const row = await this.storage.getConnection(id);
    const adapter = row ? this.providers.get(row.provider_id) : undefined;
    if (!row || row.deleted_at !== null || row.organization_id !== orgId || !adapter) {
      throw new GatewayError('not_found', `No connection ${JSON.stringify(id)} in organization ${JSON.stringify(orgId)}.`);
    }
    return { row, adapter };
  }

  /** Index rows for upstream connections seen in a list, in the same order; new ones get an id here. */
  adoptListed(orgId: string, adapter: ProviderAdapter, externalOrgId: string, items: UpstreamConnection[], now: string): Promise<ConnectionRow[]> {
    return this.storage.ensureConnections(items.map((u) => ({ organization_id: orgId, provider_id: adapter.id,
      external_org_id: externalOrgId, external_id: u.external_id, kind: u.kind, new_id: newId('cn') })), now);
  }

  /** Records a connection the gateway just created upstream, with its sealed credentials and event. */
  recordCreated(row: ConnectionRow, sealed: Parameters<Storage['insertConnection']>[1], event: NewEvent): Promise<void> {
    return this.storage.insertConnection(row, sealed, event);
  }

  /** Retires an id: the upstream connection was deleted (by the caller, with an event) or is gone (without). */
  retire(row: ConnectionRow, at: string, event: NewEvent | null): Promise<void> {
    return this.storage.markConnectionDeleted(row.id, at, event);
  }
}

export function refOf(row: ConnectionRow): ConnectionRef {
  return { connectionId: row.id, externalOrgId: row.external_org_id, externalId: row.external_id, kind: row.kind };
}
