import type { ConnectionRef, ProviderAdapter, ProviderFlowStarted } from '../adapter.js';
import type { UpstreamConnection } from '../connection.js';
import { GatewayError, validationError } from '../errors.js';
import type {
  AllowedConnection,
  Attribution,
  ConnectionRow,
  ConnectSessionRow,
  ProviderFlowState,
} from '../storage.js';
import type { CreateConnectSessionInput } from './connect-session-schemas.js';
import { rfc3339, timestamp, type RequestContext, type ServiceDeps } from './context.js';
import { gatewayEvent } from './events.js';
import type { OrganizationService } from './organizations.js';

/**
 * Provider-hosted connect flows (contract §11) for connect sessions: started through the adapter's
 * `providerFlow` capability with the session's id as the attribution, their hand-over kept sealed,
 * their result recognised on any adopted list page (then the session completes and the connection
 * takes the session's end user), and revoked where the provider allows.
 */

/** How long after its session's expiry a provider flow's result still completes it. */
const FLOW_GRACE_MS = 24 * 3600_000;

export class ProviderFlows {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly organizations: OrganizationService,
  ) {}

  /** What a provider flow hands the end user (its `provider_flow` and the page's "Continue with" link), or null. */
  started(session: ConnectSessionRow): ProviderFlowStarted | null {
    const f = session.provider_flow;
    if (!f || !this.deps.sealer) return null;
    return this.deps.sealer.open(
      { keyId: f.sealed.key_id, nonce: f.sealed.nonce, ciphertext: f.sealed.ciphertext },
      { organizationId: session.organization_id, connectionId: session.id, purpose: 'connect_flow' },
    ) as ProviderFlowStarted;
  }

  /** The adapter and the organization's link of a provider flow's session (null when either is gone). */
  async target(
    ctx: RequestContext,
    session: ConnectSessionRow,
  ): Promise<{ adapter: ProviderAdapter; externalOrgId: string } | null> {
    const f = session.provider_flow;
    const adapter = f ? this.deps.providers.get(f.provider_id) : undefined;
    if (!f || !adapter?.providerFlow) return null;
    const org = await this.organizations.require(ctx, session.organization_id);
    const externalOrgId = org.links[f.provider_id];
    return externalOrgId === undefined ? null : { adapter, externalOrgId };
  }

  /**
   * A list page was adopted into the index (a caller's list, the monitor's pass, the page's own
   * look): every pending provider flow of that organization and provider entry whose result is
   * among the connections first seen here (or, for a reconnect, its connection) is completed with
   * it, and the connection takes the session's end user and metadata. One connection completes one
   * session (the oldest that recognises it).
   */
  async recognise(
    requestId: string | null,
    orgId: string,
    adapter: ProviderAdapter,
    items: readonly UpstreamConnection[],
    rows: readonly ConnectionRow[],
    fresh: ReadonlySet<number>,
  ): Promise<ReadonlyMap<number, Attribution>> {
    const given = new Map<number, Attribution>();
    const flow = adapter.providerFlow;
    if (!flow || items.length === 0) return given;
    // A provider's own session may outlive ours (an Auth0 admin has 5 h once the ticket is opened):
    // a flow finished within a day of its session's expiry still completes it.
    const since = rfc3339(new Date(this.deps.now().getTime() - FLOW_GRACE_MS));
    const pending = await this.deps.storage.pendingProviderFlows(orgId, adapter.id, since);
    const taken = new Set<number>();
    for (const session of pending) {
      const f = session.provider_flow as ProviderFlowState;
      const reconnectRow =
        session.connection_id === null ? undefined : rows.find((r) => r.id === session.connection_id);
      // Nothing on this page could be its result: no new connection, or not its reconnect's.
      if (session.connection_id === null ? fresh.size === 0 : !reconnectRow) continue;
      const handle = this.started(session)?.handle ?? null;
      const started = {
        sessionId: session.id,
        kind: session.allowed[0]?.kinds?.[0] ?? null,
        handle,
        reconnectExternalId: reconnectRow?.external_id ?? null,
        startedAt: f.started_at,
      };
      const i = items.findIndex(
        (u, j) =>
          !taken.has(j) &&
          (session.connection_id === null ? fresh.has(j) : rows[j]?.id === session.connection_id) &&
          flow.recognises(u, started),
      );
      const row = rows[i];
      if (i < 0 || !row) continue;
      taken.add(i);
      const at = timestamp(this.deps);
      const attribution = { end_user: session.end_user, metadata: session.metadata };
      const done = await this.deps.storage.completeProviderFlow(session.id, row.id, attribution, at, {
        ...gatewayEvent('connect_session.completed', row, [], at, requestId),
        data: {
          connect_session_id: session.id,
          end_user: session.end_user,
          metadata: session.metadata,
          reconnect: session.connection_id !== null,
          flow: 'provider',
        },
      });
      if (done) given.set(i, attribution);
    }
    return given;
  }

  /** Starts the provider's flow for a new session; its hand-over sealed into the row. */
  async start(
    ctx: RequestContext,
    links: Record<string, string>,
    row: ConnectSessionRow,
    input: CreateConnectSessionInput,
    base: string,
  ): Promise<{ state: ProviderFlowState; started: ProviderFlowStarted }> {
    const a = row.allowed[0] as AllowedConnection;
    const adapter = this.deps.providers.get(a.provider) as ProviderAdapter;
    const flow = adapter.providerFlow as NonNullable<ProviderAdapter['providerFlow']>;
    const sealer = this.deps.sealer;
    if (!sealer)
      throw new GatewayError(
        'unsupported_operation',
        'A provider flow hands the end user a token or ticket, which the gateway keeps sealed: configure encryption.key.',
      );
    let options: Record<string, unknown> = {};
    if (input.provider_options !== undefined) {
      if (!flow.optionsSchema)
        throw validationError([{ pointer: '/provider_options', message: `${flow.name} takes no options` }]);
      const parsed = flow.optionsSchema.safeParse(input.provider_options);
      if (!parsed.success)
        throw validationError(
          parsed.error.issues.map((i) => ({
            pointer: `/provider_options${i.path.map((p) => `/${String(p)}`).join('')}`,
            message: i.message,
          })),
        );
      options = parsed.data;
    }
    const externalOrgId = links[a.provider] as string;
    let reconnect: ConnectionRef | null = null;
    if (row.connection_id !== null) {
      const target = await this.deps.storage.getConnection(row.connection_id);
      if (target)
        reconnect = {
          connectionId: target.id,
          externalOrgId: target.external_org_id,
          externalId: target.external_id,
          kind: target.kind,
        };
    }
    const started = await flow.start(ctx, externalOrgId, {
      sessionId: row.id,
      kind: a.kinds?.[0] ?? null,
      reconnect,
      expiresAt: row.expires_at,
      ttlSeconds: input.expires_in,
      returnUrl: `${base}/connect`,
      options,
    });
    const sealed = sealer.seal(started, {
      organizationId: row.organization_id,
      connectionId: row.id,
      purpose: 'connect_flow',
    });
    return {
      started,
      state: {
        provider_id: a.provider,
        sealed: { key_id: sealed.keyId, nonce: sealed.nonce, ciphertext: sealed.ciphertext },
        started_at: row.created_at,
      },
    };
  }

  async revoke(ctx: RequestContext, row: ConnectSessionRow): Promise<void> {
    const handle = this.started(row)?.handle;
    if (!handle) return;
    const target = await this.target(ctx, row);
    const revoke = target?.adapter.providerFlow?.revoke;
    if (target && revoke) await revoke.call(target.adapter.providerFlow, ctx, target.externalOrgId, handle);
  }
}
