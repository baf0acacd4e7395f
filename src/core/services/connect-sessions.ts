import type { CatalogueEntry, ProviderAdapter, ProviderFlowStarted } from '../adapter.js';
import { apiKeyHash, isWellFormedConnectToken, newConnectToken } from '../api-key-token.js';
import type { Caller } from '../caller.js';
import { GatewayError, validationError } from '../errors.js';
import { newId } from '../ids.js';
import type { Attribution, ConnectSessionRow } from '../storage.js';
import { rfc3339, timestamp, type RequestContext, type ServiceDeps } from './context.js';
import type {
  ConnectSession,
  CreateConnectSessionInput,
  CreatedConnectSession,
} from './connect-session-schemas.js';
import { AllowedRules } from './connect-allowed.js';
import { auditEvent } from './events.js';
import type { OrganizationService } from './organizations.js';
import { ProviderFlows } from './provider-flows.js';

/**
 * Connect sessions (contract §10): a caller (a BFF) asks for a short-lived link to the hosted page
 * (src/connect/) where its end user connects an account; the end user's secrets never pass through
 * the caller. A session's `pbcs_` token is shown once and stored only as a SHA-256; it opens the page
 * until the session completes, is revoked or expires. What the page may offer comes from the
 * providers' catalogues (a capability of the adapter port), never from a provider's name here.
 */

/** Where `return_url` may point, and the page's own address. */
export interface ConnectSettings {
  /** Origins (`https://app.example.com`) a `return_url` may be on. */
  returnOrigins: readonly string[];
  /** Whether any loopback origin is allowed too (the sandbox). */
  allowLoopback: boolean;
  /** The gateway's public address (no trailing slash), or null: the request's own origin. */
  publicUrl: () => string | null;
}

/** What a session lets its end user connect at one provider: the provider and the kinds on offer. */
export interface Offer {
  adapter: ProviderAdapter;
  externalOrgId: string;
  entries: CatalogueEntry[];
}

/** Why a token does not open the page (each shown as its own clear page). */
export type Closed = 'unknown' | 'expired' | 'revoked' | 'completed';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export class ConnectSessionService {
  readonly #allowed: AllowedRules;
  readonly #flows: ProviderFlows;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly organizations: OrganizationService,
    private readonly settings: ConnectSettings,
  ) {
    this.#allowed = new AllowedRules(deps);
    this.#flows = new ProviderFlows(deps, organizations);
  }

  async create(
    ctx: RequestContext,
    orgId: string,
    input: CreateConnectSessionInput,
    requestOrigin: string,
  ): Promise<CreatedConnectSession> {
    const org = await this.organizations.require(ctx, orgId);
    this.#checkReturnUrl(input.return_url);
    const allowed =
      input.flow === 'provider'
        ? await this.#allowed.forProviderFlow(orgId, org.links, input)
        : await this.#allowed.forPage(ctx, orgId, org.links, input);
    const token = newConnectToken();
    const now = this.deps.now();
    const row: ConnectSessionRow = {
      id: newId('cs'),
      organization_id: orgId,
      token_hash: apiKeyHash(token),
      end_user: {
        id: input.end_user.id,
        email: input.end_user.email ?? null,
        display_name: input.end_user.display_name ?? null,
      },
      metadata: input.metadata ?? null,
      allowed,
      connection_id: input.connection_id ?? null,
      return_url: input.return_url,
      flow: input.flow,
      status: 'pending',
      result_connection_id: null,
      attempt_connection_id: null,
      error: null,
      actor: ctx.caller.actor,
      created_at: timestamp(this.deps),
      expires_at: rfc3339(new Date(now.getTime() + input.expires_in * 1000)),
      completed_at: null,
      revoked_at: null,
      provider_flow: null,
    };
    const base = this.settings.publicUrl() ?? requestOrigin;
    let started: ProviderFlowStarted | null = null;
    if (input.flow === 'provider') {
      ({ state: row.provider_flow, started } = await this.#flows.start(ctx, org.links, row, input, base));
    }
    if (!(await this.deps.storage.insertConnectSession(row))) {
      if (started) await this.#flows.revoke(ctx, row).catch(() => undefined);
      throw new GatewayError('not_found', `No organization ${JSON.stringify(orgId)}.`);
    }
    return {
      ...this.view(row),
      token,
      url: `${base}/connect/${token}`,
      ...(started ? { provider_flow: started.provider_flow } : {}),
    };
  }

  async list(
    ctx: RequestContext,
    orgId: string,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<{ data: ConnectSession[]; next_cursor: string | null }> {
    await this.organizations.require(ctx, orgId);
    const scope = `connect-sessions:${orgId}`;
    const after =
      page.cursor !== undefined
        ? this.deps.cursors.decode<{ after: string }>(scope, page.cursor).after
        : null;
    const rows = await this.deps.storage.listConnectSessions(orgId, after, page.limit + 1);
    const data = rows.slice(0, page.limit).map((r) => this.view(r));
    const last = data.at(-1);
    return {
      data,
      next_cursor:
        rows.length > page.limit && last ? this.deps.cursors.encode(scope, { after: last.id }) : null,
    };
  }

  async get(ctx: RequestContext, orgId: string, id: string): Promise<ConnectSession> {
    return this.view(await this.#require(ctx, orgId, id));
  }

  /** Revokes a pending session: its page stops working at once. Revoking one that is over changes nothing. */
  async revoke(ctx: RequestContext, orgId: string, id: string): Promise<void> {
    const row = await this.#require(ctx, orgId, id);
    const revoked = await this.deps.storage.revokeConnectSession(id, timestamp(this.deps));
    // What the provider lets revoke goes too (an Auth0 ticket); a DELETE again retries it after a failure.
    if (revoked || row.status === 'revoked') await this.#flows.revoke(ctx, row);
  }

  /** The API's view: `expired` once past its time while still pending. */
  view(r: ConnectSessionRow): ConnectSession {
    return {
      id: r.id,
      organization_id: r.organization_id,
      status: this.statusOf(r),
      flow: r.flow,
      end_user: r.end_user,
      metadata: r.metadata,
      allowed: r.allowed,
      connection_id: r.result_connection_id ?? r.connection_id,
      return_url: r.return_url,
      error: r.error,
      created_at: r.created_at,
      expires_at: r.expires_at,
      completed_at: r.completed_at,
    };
  }

  statusOf(r: ConnectSessionRow): ConnectSession['status'] {
    if (r.status === 'pending' && Date.parse(r.expires_at) <= this.deps.now().getTime()) return 'expired';
    return r.status;
  }

  // ---------- what the hosted page uses ----------

  /** The session a token opens, or why it opens nothing. A malformed token is refused without a lookup. */
  async open(
    token: string,
  ): Promise<{ session: ConnectSessionRow } | { closed: Closed; session?: ConnectSessionRow }> {
    if (!isWellFormedConnectToken(token)) return { closed: 'unknown' };
    const session = await this.deps.storage.getConnectSessionByTokenHash(apiKeyHash(token));
    if (!session) return { closed: 'unknown' };
    const status = this.statusOf(session);
    return status === 'pending' ? { session } : { closed: status, session };
  }

  /** The caller the page acts as: the session's organization, writing connections, recorded as the session. */
  callerOf(session: ConnectSessionRow): Caller {
    return {
      actor: `connect_session:${session.id}`,
      organizations: [session.organization_id],
      scopes: new Set(['connections:read', 'connections:write']),
      admin: false,
    };
  }

  attributionOf(session: ConnectSessionRow): Attribution {
    return { end_user: session.end_user, metadata: session.metadata };
  }

  /** What the session offers, provider by provider (a provider's catalogue may be read upstream). */
  async offers(ctx: RequestContext, session: ConnectSessionRow): Promise<Offer[]> {
    const org = await this.organizations.require(ctx, session.organization_id);
    const out: Offer[] = [];
    for (const a of session.allowed) {
      const adapter = this.deps.providers.get(a.provider);
      const externalOrgId = org.links[a.provider];
      if (!adapter?.catalogue || externalOrgId === undefined) continue;
      const all = (await adapter.catalogue(ctx, externalOrgId)).filter((e) => e.connect !== null);
      const kinds = a.kinds;
      const entries = kinds === null ? all : all.filter((e) => kinds.includes(e.kind));
      if (entries.length > 0) out.push({ adapter, externalOrgId, entries });
    }
    return out;
  }

  /** One submission of the session's page; false past `limit` in the last minute. */
  async allowSubmission(session: ConnectSessionRow, limit: number): Promise<boolean> {
    const now = this.deps.now();
    const count = await this.deps.storage.countConnectSubmission(
      session.id,
      now.toISOString(),
      new Date(now.getTime() - 60_000).toISOString(),
    );
    return count <= limit;
  }

  recordAttempt(
    session: ConnectSessionRow,
    attempt: { connection_id: string | null; error: { code: string; message: string } | null },
  ): Promise<void> {
    return this.deps.storage.setConnectSessionAttempt(session.id, attempt);
  }

  /** Completes the session with its connection and records `connect_session.completed`; false when it was no longer pending. */
  complete(ctx: RequestContext, session: ConnectSessionRow, connectionId: string): Promise<boolean> {
    const at = timestamp(this.deps);
    const event = {
      ...auditEvent(ctx, 'connect_session.completed', session.organization_id, connectionId, [], at),
      data: {
        connect_session_id: session.id,
        end_user: session.end_user,
        metadata: session.metadata,
        reconnect: session.connection_id !== null,
      },
    };
    return this.deps.storage.completeConnectSession(session.id, connectionId, at, event);
  }

  /** The session again, as stored now. */
  reload(session: ConnectSessionRow): Promise<ConnectSessionRow | null> {
    return this.deps.storage.getConnectSession(session.id);
  }

  /** What a provider flow hands the end user (its `provider_flow` and the page's "Continue with" link), or null. */
  startedFlow(session: ConnectSessionRow): ProviderFlowStarted | null {
    return this.#flows.started(session);
  }

  /** The adapter and the organization's link of a provider flow's session (null when either is gone). */
  flowTarget(
    ctx: RequestContext,
    session: ConnectSessionRow,
  ): Promise<{ adapter: ProviderAdapter; externalOrgId: string } | null> {
    return this.#flows.target(ctx, session);
  }

  /** A list page was adopted into the index: the provider flows it completes (provider-flows.ts). */
  recognise(...args: Parameters<ProviderFlows['recognise']>): ReturnType<ProviderFlows['recognise']> {
    return this.#flows.recognise(...args);
  }

  // ---------- internals ----------

  async #require(ctx: RequestContext, orgId: string, id: string): Promise<ConnectSessionRow> {
    await this.organizations.require(ctx, orgId);
    const row = await this.deps.storage.getConnectSession(id);
    if (!row || row.organization_id !== orgId)
      throw new GatewayError('not_found', `Connect session ${JSON.stringify(id)} not found.`);
    return row;
  }

  /** Never an open redirect: http(s), no user-info, on an allowed origin. */
  #checkReturnUrl(raw: string): void {
    const problem = (message: string) => validationError([{ pointer: '/return_url', message }]);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw problem('must be an absolute URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw problem('must be http(s)');
    if (url.username || url.password) throw problem('must not carry user-info');
    const allowed =
      this.settings.returnOrigins.includes(url.origin) ||
      (this.settings.allowLoopback && LOOPBACK.has(url.hostname));
    if (!allowed)
      throw problem(
        `must be on an origin listed in connect.returnOrigins${this.settings.allowLoopback ? ' (or loopback)' : ''}`,
      );
  }
}
