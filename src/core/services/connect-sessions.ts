import { z } from 'zod';
import type { CatalogueEntry, ProviderAdapter } from '../adapter.js';
import { apiKeyHash, isWellFormedConnectToken, newConnectToken } from '../api-key-token.js';
import type { Caller } from '../caller.js';
import { EndUser, Metadata } from '../connection.js';
import { GatewayError, validationError, type FieldProblem } from '../errors.js';
import { newId } from '../ids.js';
import type { AllowedConnection, Attribution, ConnectSessionRow } from '../storage.js';
import { timestamp, type RequestContext, type ServiceDeps } from './context.js';
import { auditEvent } from './events.js';
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
      .enum(['page'])
      .default('page')
      .describe('`page`: the hosted page collects the credentials (provider-hosted flows come later).'),
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
    let allowed: AllowedConnection[];
    if (input.connection_id !== undefined) {
      allowed = await this.#reconnectTarget(orgId, input.connection_id, input.allowed);
    } else if (input.allowed) {
      allowed = await this.#checkAllowed(ctx, org.links, input.allowed);
    } else {
      allowed = [];
      for (const [id, link] of Object.entries(org.links)) {
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
    }
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
      expires_at: new Date(now.getTime() + input.expires_in * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      completed_at: null,
      revoked_at: null,
    };
    if (!(await this.deps.storage.insertConnectSession(row)))
      throw new GatewayError('not_found', `No organization ${JSON.stringify(orgId)}.`);
    const base = this.settings.publicUrl() ?? requestOrigin;
    return { ...this.view(row), token, url: `${base}/connect/${token}` };
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
    await this.#require(ctx, orgId, id);
    await this.deps.storage.revokeConnectSession(id, timestamp(this.deps));
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

  /** A reconnect offers the connection's own provider and kind. */
  async #reconnectTarget(
    orgId: string,
    connectionId: string,
    asked: CreateConnectSessionInput['allowed'],
  ): Promise<AllowedConnection[]> {
    const found = await this.deps.storage.getConnectionWithOrganization(orgId, connectionId);
    const row = found?.connection;
    if (!row || row.deleted_at !== null)
      throw validationError([
        { pointer: '/connection_id', message: 'not a connection of this organization' },
      ]);
    const adapter = this.deps.providers.get(row.provider_id);
    if (!adapter?.catalogue)
      throw new GatewayError(
        'unsupported_operation',
        `Provider ${row.provider_id} has no hosted connect flow, so connection ${connectionId} cannot be reconnected on the page.`,
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
