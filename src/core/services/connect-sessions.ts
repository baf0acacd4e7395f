import { z } from 'zod';
import type { CatalogueEntry, ConnectionRef, ProviderAdapter, ProviderFlowStarted } from '../adapter.js';
import type { UpstreamConnection } from '../connection.js';
import { apiKeyHash, isWellFormedConnectToken, newConnectToken } from '../api-key-token.js';
import type { Caller } from '../caller.js';
import { EndUser, Metadata } from '../connection.js';
import { GatewayError, validationError, type FieldProblem } from '../errors.js';
import { newId } from '../ids.js';
import type {
  AllowedConnection,
  Attribution,
  ConnectionRow,
  ConnectSessionRow,
  ProviderFlowState,
} from '../storage.js';
import { rfc3339, timestamp, type RequestContext, type ServiceDeps } from './context.js';
import { auditEvent, gatewayEvent } from './events.js';
import type { OrganizationService } from './organizations.js';

/**
 * Connect sessions (contract §10): a caller (a BFF) asks for a short-lived link to the hosted page
 * (src/connect/) where its end user connects an account; the end user's secrets never pass through
 * the caller. A session's `pbcs_` token is shown once and stored only as a SHA-256; it opens the page
 * until the session completes, is revoked or expires. What the page may offer comes from the
 * providers' catalogues (a capability of the adapter port), never from a provider's name here.
 */

/** Seconds a session lives unless asked otherwise (30 minutes). */
export const DEFAULT_SESSION_SECONDS = 1800;
/** At most this many bytes of JSON in `metadata`. */
export const MAX_METADATA_BYTES = 4096;

export const CreateConnectSessionBody = z
  .strictObject({
    end_user: z
      .strictObject({
        id: z.string().min(1).max(255).describe('Your id of the end user.'),
        email: z.email().max(320).optional(),
        display_name: z.string().min(1).max(200).optional(),
      })
      .describe('Who connects: carried by the connection the session makes, and by its events.'),
    return_url: z
      .string()
      .min(1)
      .max(2048)
      .describe(
        'Where the page sends the end user at the end; its origin must be in `connect.returnOrigins`.',
      ),
    allowed: z
      .array(
        z.strictObject({
          provider: z.string().min(1).describe('A configured provider id.'),
          kinds: z
            .array(z.string().min(1))
            .min(1)
            .max(200)
            .optional()
            .describe('Only these kinds (default: every kind the provider offers on the page).'),
        }),
      )
      .min(1)
      .max(50)
      .optional()
      .describe('What the end user may connect (default: every linked provider that the page can connect).'),
    connection_id: z
      .string()
      .min(1)
      .optional()
      .describe('A reconnect: new credentials (or a new consent) for this connection, which keeps its id.'),
    expires_in: z.number().int().min(60).max(86_400).default(DEFAULT_SESSION_SECONDS).describe('Seconds.'),
    metadata: Metadata.optional()
      .refine((m) => m === undefined || Buffer.byteLength(JSON.stringify(m)) <= MAX_METADATA_BYTES, {
        error: `at most ${MAX_METADATA_BYTES} bytes of JSON`,
      })
      .describe('Your own values, carried by the connection the session makes.'),
    flow: z
      .enum(['page', 'provider'])
      .default('page')
      .describe(
        "`page`: the hosted page collects the credentials; `provider`: the provider's own flow (exactly one `allowed` entry), its start in `provider_flow`.",
      ),
    provider_options: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("A provider flow's options (Auth0: `assign_membership_on_login`, `show_as_button`)."),
  })
  .meta({ id: 'CreateConnectSession' });
export type CreateConnectSessionInput = z.output<typeof CreateConnectSessionBody>;

export const CONNECT_SESSION_STATUSES = ['pending', 'completed', 'expired', 'revoked'] as const;

/** A session as the API shows it (never its token). */
export const ConnectSession = z
  .object({
    id: z.string(),
    organization_id: z.string(),
    status: z.enum(CONNECT_SESSION_STATUSES),
    flow: z.string(),
    end_user: EndUser,
    metadata: Metadata.nullable(),
    allowed: z.array(z.object({ provider: z.string(), kinds: z.array(z.string()).nullable() })),
    connection_id: z
      .string()
      .nullable()
      .describe(
        'The connection to reconnect; once completed, the connection the session made or reconnected.',
      ),
    return_url: z.string(),
    error: z
      .object({ code: z.string(), message: z.string() })
      .nullable()
      .describe("Why the end user's last attempt failed (never a secret)."),
    created_at: z.string(),
    expires_at: z.string(),
    completed_at: z.string().nullable(),
  })
  .meta({ id: 'ConnectSession' });
export type ConnectSession = z.infer<typeof ConnectSession>;

export const CreatedConnectSession = ConnectSession.extend({
  token: z.string().describe('`pbcs_…`: opens the page. Shown this once.'),
  provider_flow: z
    .looseObject({ type: z.string() })
    .optional()
    .describe(
      'With `flow: "provider"`: what hands the end user to the provider (`leen_invite_token` with `token` and `expires_at`, `auth0_sso_ticket` with `ticket_url`, `versori_redirect` with `url`). Shown this once.',
    ),
  url: z.string().describe('`{server.publicUrl}/connect/{token}`: hand it to the end user. Shown this once.'),
}).meta({ id: 'CreatedConnectSession' });
export type CreatedConnectSession = z.infer<typeof CreatedConnectSession>;

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

/** How long after its session's expiry a provider flow's result still completes it. */
const FLOW_GRACE_MS = 24 * 3600_000;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export class ConnectSessionService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly organizations: OrganizationService,
    private readonly settings: ConnectSettings,
  ) {}

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
        ? await this.#providerFlowAllowed(orgId, org.links, input)
        : await this.#pageAllowed(ctx, orgId, org.links, input);
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
      ({ state: row.provider_flow, started } = await this.#startProviderFlow(
        ctx,
        org.links,
        row,
        input,
        base,
      ));
    }
    if (!(await this.deps.storage.insertConnectSession(row))) {
      if (started) await this.#revokeUpstream(ctx, row).catch(() => undefined);
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
    if (revoked || row.status === 'revoked') await this.#revokeUpstream(ctx, row);
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
    const f = session.provider_flow;
    if (!f || !this.deps.sealer) return null;
    return this.deps.sealer.open(
      { keyId: f.sealed.key_id, nonce: f.sealed.nonce, ciphertext: f.sealed.ciphertext },
      { organizationId: session.organization_id, connectionId: session.id, purpose: 'connect_flow' },
    ) as ProviderFlowStarted;
  }

  /** The adapter and the organization's link of a provider flow's session (null when either is gone). */
  async flowTarget(
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
      const handle = this.startedFlow(session)?.handle ?? null;
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
      const attribution = this.attributionOf(session);
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

  // ---------- internals ----------

  /** What a page session may connect: the reconnect's, the asked ones checked, or every linked provider the page can connect. */
  async #pageAllowed(
    ctx: RequestContext,
    orgId: string,
    links: Record<string, string>,
    input: CreateConnectSessionInput,
  ): Promise<AllowedConnection[]> {
    if (input.provider_options !== undefined)
      throw validationError([{ pointer: '/provider_options', message: 'only with flow "provider"' }]);
    if (input.connection_id !== undefined)
      return this.#reconnectTarget(
        orgId,
        input.connection_id,
        input.allowed,
        (a) => a.catalogue !== undefined,
      );
    if (input.allowed) return this.#checkAllowed(ctx, links, input.allowed);
    const allowed: AllowedConnection[] = [];
    for (const [id, link] of Object.entries(links)) {
      const adapter = this.deps.providers.get(id);
      if (!adapter?.catalogue) continue;
      const entries = await adapter.catalogue(ctx, link);
      if (entries.some((e) => e.connect !== null)) allowed.push({ provider: id, kinds: null });
    }
    if (allowed.length === 0)
      throw new GatewayError(
        'unsupported_operation',
        `No provider linked to organization ${orgId} can be connected on the hosted page.`,
      );
    return allowed;
  }

  /** A provider flow's one provider (and at most one kind), which must host a flow. */
  async #providerFlowAllowed(
    orgId: string,
    links: Record<string, string>,
    input: CreateConnectSessionInput,
  ): Promise<AllowedConnection[]> {
    if (input.connection_id !== undefined)
      return this.#reconnectTarget(
        orgId,
        input.connection_id,
        input.allowed,
        (a) => a.providerFlow !== undefined,
      );
    const [only, ...more] = input.allowed ?? [];
    if (!only || more.length > 0)
      throw validationError([{ pointer: '/allowed', message: 'exactly one entry with flow "provider"' }]);
    const adapter = this.deps.providers.get(only.provider);
    if (!adapter)
      throw validationError([
        { pointer: '/allowed/0/provider', message: 'must be a configured provider id' },
      ]);
    if (links[only.provider] === undefined)
      throw validationError([
        { pointer: '/allowed/0/provider', message: 'the organization is not linked to this provider' },
      ]);
    if (!adapter.providerFlow)
      throw new GatewayError(
        'unsupported_operation',
        `Provider ${only.provider} hosts no connect flow of its own (use flow "page").`,
        {
          provider: only.provider,
          errors: [{ pointer: '/allowed/0/provider', message: 'no provider flow' }],
        },
      );
    if ((only.kinds?.length ?? 0) > 1)
      throw validationError([
        { pointer: '/allowed/0/kinds', message: 'at most one kind with flow "provider"' },
      ]);
    return [{ provider: only.provider, kinds: only.kinds ?? null }];
  }

  /** Starts the provider's flow for a new session; its hand-over sealed into the row. */
  async #startProviderFlow(
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

  async #revokeUpstream(ctx: RequestContext, row: ConnectSessionRow): Promise<void> {
    const handle = this.startedFlow(row)?.handle;
    if (!handle) return;
    const target = await this.flowTarget(ctx, row);
    const revoke = target?.adapter.providerFlow?.revoke;
    if (target && revoke) await revoke.call(target.adapter.providerFlow, ctx, target.externalOrgId, handle);
  }

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

  /** A reconnect offers the connection's own provider and kind. */
  async #reconnectTarget(
    orgId: string,
    connectionId: string,
    asked: CreateConnectSessionInput['allowed'],
    can: (adapter: ProviderAdapter) => boolean,
  ): Promise<AllowedConnection[]> {
    const found = await this.deps.storage.getConnectionWithOrganization(orgId, connectionId);
    const row = found?.connection;
    if (!row || row.deleted_at !== null)
      throw validationError([
        { pointer: '/connection_id', message: 'not a connection of this organization' },
      ]);
    const adapter = this.deps.providers.get(row.provider_id);
    if (!adapter || !can(adapter))
      throw new GatewayError(
        'unsupported_operation',
        `Provider ${row.provider_id} has no connect flow of this kind, so connection ${connectionId} cannot be reconnected this way.`,
        { provider: row.provider_id },
      );
    if (
      asked &&
      !asked.every((a) => a.provider === row.provider_id && (a.kinds ?? [row.kind]).includes(row.kind))
    )
      throw validationError([
        { pointer: '/allowed', message: "must be absent or name the connection's provider and kind" },
      ]);
    return [{ provider: row.provider_id, kinds: [row.kind] }];
  }

  async #checkAllowed(
    ctx: RequestContext,
    links: Record<string, string>,
    asked: NonNullable<CreateConnectSessionInput['allowed']>,
  ): Promise<AllowedConnection[]> {
    const problems: FieldProblem[] = [];
    const out: AllowedConnection[] = [];
    for (const [i, a] of asked.entries()) {
      const adapter = this.deps.providers.get(a.provider);
      const link = links[a.provider];
      if (!adapter) {
        problems.push({ pointer: `/allowed/${i}/provider`, message: 'must be a configured provider id' });
        continue;
      }
      if (link === undefined) {
        problems.push({
          pointer: `/allowed/${i}/provider`,
          message: 'the organization is not linked to this provider',
        });
        continue;
      }
      if (!adapter.catalogue) {
        throw new GatewayError(
          'unsupported_operation',
          `Provider ${a.provider} has no hosted connect flow: its connections are made through the API.`,
          {
            provider: a.provider,
            errors: [{ pointer: `/allowed/${i}/provider`, message: 'no hosted connect flow' }],
          },
        );
      }
      const offered = new Map((await adapter.catalogue(ctx, link)).map((e) => [e.kind, e]));
      for (const [j, kind] of (a.kinds ?? []).entries()) {
        const entry = offered.get(kind);
        if (!entry)
          problems.push({
            pointer: `/allowed/${i}/kinds/${j}`,
            message: `not a kind provider ${a.provider} offers`,
          });
        else if (entry.connect === null)
          problems.push({
            pointer: `/allowed/${i}/kinds/${j}`,
            message:
              'the hosted page cannot connect this kind (no published credential shape); create it through the API',
          });
      }
      out.push({ provider: a.provider, kinds: a.kinds ? [...new Set(a.kinds)] : null });
    }
    if (problems.length > 0) throw validationError(problems);
    return out;
  }
}
