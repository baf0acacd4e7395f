import type { Cancellation } from './cancellation.js';
import type { z } from 'zod';
import type { ConnectionStatus, Job, UpstreamConnection } from './connection.js';
import type { Secret } from './secret.js';

/** Per-call context every adapter method receives: propagated upstream, never global. */
export interface CallContext {
  requestId: string;
  traceparent?: string | undefined;
  /** Fires when the caller goes away: its upstream calls are abandoned. */
  signal?: AbortSignal | undefined;
  /** The same event, cheaper to listen to (cancellation.ts); when given, the upstream engine listens to it instead. */
  cancel?: Cancellation | undefined;
  /**
   * A read that precedes a write (If-Match, read-merge-write): it always goes to the provider,
   * never to a cache or another caller's read in flight, so no cache can weaken If-Match.
   */
  fresh?: boolean | undefined;
  /** Where the attempt lines of the request go (set by the HTTP layer; see AttemptLines). */
  attempts?: AttemptLines | undefined;
}

/**
 * A request's upstream attempt lines: the one answered attempt of a request is written as part of
 * the request's own line; when a second one comes (a retry, a second call), the first is written
 * as its own line then, and so is every later one.
 */
export interface AttemptLines {
  /**
   * Offers an answered attempt's fields; true: the request's line carries them (`write` writes them
   * as their own line instead, if another attempt comes); false: write them now.
   */
  take(fields: Readonly<Record<string, unknown>>, write: () => void): boolean;
}

/** Where a connection lives upstream; `connectionId` is the gateway's own `cn_…` id. */
export interface ConnectionRef {
  connectionId: string;
  externalOrgId: string;
  externalId: string;
  kind: string;
}

export type Credentials = Record<string, unknown>;

export interface Page<T> {
  items: T[];
  /** Adapter-private position after the last item, or null at the end. The gateway signs it. */
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor: string | undefined;
}

export interface ProviderCapabilities {
  /** `patch`: the upstream changes single fields; `replace`: it only takes the whole connection. */
  updateModel: 'patch' | 'replace';
  /** Whether a caller may set `name` (on create and change); false → 422 `unsupported_change`. */
  writableName: boolean;
  /** Whether `name` may be set to null (cleared). */
  nullableName: boolean;
  /** Statuses a caller may set; empty when status is not writable. */
  writableStatus: readonly ConnectionStatus[];
  /** Keys of `settings` a caller may write; empty when the provider has no writable settings. */
  writableSettings: readonly string[];
  /**
   * Keys of `settings` that this provider type knows but this entry's upstream lacks (e.g. a
   * family of the API without the field): 422 `unsupported_change` rather than 400 unknown field.
   */
  unsupportedSettings: readonly string[];
  supportsCredentials: boolean;
  supportsTest: boolean;
  supportsJobs: boolean;
}

/** A validated create body, minus `provider`. Credentials arrive separately, wrapped. */
export interface CreateInput {
  kind?: string | undefined;
  name?: string | null | undefined;
  settings?: Record<string, unknown> | undefined;
  credentials?: Credentials | undefined;
  [extra: string]: unknown;
}

/** Facts of a connection-to-be that a create fixes in advance (see `expectedUpstream`). */
export interface UpstreamExpectation {
  external_id?: string;
  kind?: string;
  name?: string | null;
}

/** A change to apply, already validated; absent keys stay as they are. */
export interface ConnectionChange {
  name?: string | null;
  status?: ConnectionStatus;
  settings?: Record<string, unknown>;
  credentials?: Secret<Credentials>;
}

/** The whole writable state, for upstreams that only replace. */
export interface ConnectionState {
  name: string | null;
  status: ConnectionStatus;
  settings: Record<string, unknown>;
  credentials: Secret<Credentials>;
}

export interface AdapterSchemas {
  /** The whole create body except `provider`; strict (unknown keys are errors). */
  create: z.ZodObject;
  /** A name value. */
  name: z.ZodType<string | null>;
  /** Writable settings, every key optional; strict. Null when the provider has none. */
  settings: z.ZodType<Record<string, unknown>> | null;
  /** Credentials for a connection of this kind, or null when credentials are not supported. */
  credentials(kind: string): z.ZodType<Credentials> | null;
}

/**
 * What an organization id at a provider looks like, as the provider documents it. A gateway
 * organization's link to the provider must match (checked at organization create and PATCH: 400
 * naming `/links/<provider id>`). The core first refuses what is unsafe in any upstream path
 * segment (core/segment.ts); a format adds only what the provider publishes, and nothing where
 * it publishes nothing.
 */
export interface LinkFormat {
  /** What a valid link is, for people (docs, messages), e.g. "a UUID (Leen's organization_id)". */
  description: string;
  /** Why `value` is not such an id (naming the rule, never the value), or null. Called only with values the core found safe. */
  problem(value: string): string | null;
}

/**
 * One kind a provider can connect, for people: what the hosted connect page (src/connect/) offers.
 * `connect` says how an end user connects it there: `credentials` (a form built from
 * `schemas.credentials(kind)`), `oauth` (the same form, often empty, then a consent at the provider,
 * see `ProviderOAuth`), or null (the page cannot connect it: the provider publishes no credential
 * shape to build a form from, or it needs a provider-hosted flow).
 */
export interface CatalogueEntry {
  kind: string;
  /** The kind's name for people ("Tenable", "Acme CRM"). */
  name: string;
  connect: 'credentials' | 'oauth' | null;
  /**
   * When the kind's credential schema is a union discriminated by `type`: the `type` values this
   * kind accepts, in the order to offer them (absent: every variant of the schema).
   */
  credentialTypes?: readonly string[];
}

/**
 * An OAuth consent at the provider (Leen's OAuth2 vendors): the create input of a connection whose
 * consent comes back to `returnTo`, and where to send the end user for it.
 */
export interface ProviderOAuth {
  /** The create input (as the create schema parses it, minus `provider`) for `kind`, `credentials` being what the form collected. */
  createInput(kind: string, returnTo: { success: string; error: string }): CreateInput;
  /** Where the end user consents for this connection (read off it), or null when it has no consent to give. */
  authorizeUrl(connection: { details: Record<string, unknown> }): string | null;
}

/**
 * A provider-hosted connect flow (contract §11): the provider's own page or component, where the
 * end user (or their IT admin) makes the connection without the gateway seeing its secret. The
 * gateway starts it for a connect session with `flow: "provider"`, then recognises the resulting
 * connection on a list or monitor pass and completes the session with it.
 */
export interface ProviderFlowRequest {
  /** The connect session's id: the attribution the provider allows (Leen `identifier`, Auth0 `connection_config.name`). */
  sessionId: string;
  /** The one kind the session allows, or null: any the provider's flow offers. */
  kind: string | null;
  /** A reconnect: the connection the flow updates (where the provider allows it), else null. */
  reconnect: ConnectionRef | null;
  /** When the session expires: a token or ticket must not outlive it. */
  expiresAt: string;
  /** Seconds from now until `expiresAt`. */
  ttlSeconds: number;
  /** The hosted page's status URL, where a provider that takes a return URL may send the end user back. */
  returnUrl: string;
  /** What the session asked of this provider's flow (Auth0: `assign_membership_on_login`, `show_as_button`); checked by `optionsSchema`. */
  options: Record<string, unknown>;
}

export interface ProviderFlowStarted {
  /** The contract's `provider_flow`, `{ "type", … }`, given to the caller. */
  provider_flow: { type: string } & Record<string, unknown>;
  /** Where the hosted page's "Continue with …" sends the end user (null: the caller embeds the provider's component). */
  url: string | null;
  /** What `revoke` and `recognises` need later (Auth0's ticket id, the connection name put on it), or null. */
  handle: string | null;
}

/** What the gateway knows of a started flow when it looks for its result. */
export interface StartedFlow {
  sessionId: string;
  kind: string | null;
  handle: string | null;
  /** A reconnect's connection (its external id), or null. */
  reconnectExternalId: string | null;
  startedAt: string;
}

export interface ProviderFlow {
  /** For people, on the button: "Leen OnRamp", "Auth0 Self-Service SSO", "Versori". */
  name: string;
  /** The session's `provider_options` for this flow (strict; null: it takes none). */
  optionsSchema: z.ZodType<Record<string, unknown>> | null;
  start(ctx: CallContext, externalOrgId: string, req: ProviderFlowRequest): Promise<ProviderFlowStarted>;
  /**
   * Whether `connection` (as the provider lists it now) is the result of `started`: the attribution
   * the flow put on it (the session id as Leen's identifier, the name on Auth0's ticket), or for a
   * provider that allows none, the kind and a creation after `startedAt`. The gateway asks only about
   * connections it had not indexed before (and, for a reconnect, about that connection).
   */
  recognises(connection: UpstreamConnection, started: StartedFlow): boolean;
  /** Revokes what the provider lets revoke (Auth0: the ticket); absent where nothing can be. */
  revoke?(ctx: CallContext, externalOrgId: string, handle: string): Promise<void>;
}

/** A provider entry's circuit breaker, as `GET /v1/providers` reports it. */
export type CircuitState = 'closed' | 'open' | 'half_open';

interface AdapterBase {
  readonly id: string;
  readonly type: string;
  readonly capabilities: ProviderCapabilities;
  readonly schemas: AdapterSchemas;
  /** The format of this provider's organization ids: what a link to it must look like. */
  readonly linkFormat: LinkFormat;
  create(
    ctx: CallContext,
    externalOrgId: string,
    input: CreateInput,
    credentials: Secret<Credentials> | undefined,
  ): Promise<UpstreamConnection>;
  /**
   * What the connection a create makes will look like upstream, as far as the create decides it:
   * how the gateway recognises it in a list if it never heard the create's answer (a crash, a
   * timeout). Every field given must match; an empty answer means it cannot be recognised.
   */
  expectedUpstream(input: CreateInput): UpstreamExpectation;
  get(ctx: CallContext, ref: ConnectionRef): Promise<UpstreamConnection>;
  list(ctx: CallContext, externalOrgId: string, page: PageRequest): Promise<Page<UpstreamConnection>>;
  delete(ctx: CallContext, ref: ConnectionRef): Promise<void>;
  /** Present when `capabilities.supportsTest`. */
  test?(ctx: CallContext, ref: ConnectionRef): Promise<{ ok: boolean; detail: string | null }>;
  /** Present when `capabilities.supportsJobs`. */
  jobs?(ctx: CallContext, ref: ConnectionRef, page: PageRequest): Promise<Page<Job>>;
  /** Credential type label of a connection of this kind with these credentials (never a secret). */
  credentialType?(kind: string, credentials: Credentials): string | null;
  /**
   * The kinds this provider can connect, with names for people, for organization `externalOrgId`
   * there (a provider whose kinds depend on the organization reads them upstream). Absent: the
   * hosted connect page offers nothing of this provider.
   */
  catalogue?(ctx: CallContext, externalOrgId: string): Promise<CatalogueEntry[]>;
  /** Present when some kind's `connect` is `oauth`. */
  readonly oauth?: ProviderOAuth;
  /** Present when the provider hosts a connect flow of its own (contract §11). */
  readonly providerFlow?: ProviderFlow;
}

export interface PatchModelAdapter extends AdapterBase {
  readonly capabilities: ProviderCapabilities & { updateModel: 'patch' };
  /**
   * Applies a change. The gateway calls it while holding the connection's lock, so an adapter whose
   * upstream resets fields it is not sent may read the connection first and send them back.
   */
  patch(ctx: CallContext, ref: ConnectionRef, change: ConnectionChange): Promise<UpstreamConnection>;
}

export interface ReplaceModelAdapter extends AdapterBase {
  readonly capabilities: ProviderCapabilities & { updateModel: 'replace' };
  replace(ctx: CallContext, ref: ConnectionRef, state: ConnectionState): Promise<UpstreamConnection>;
}

export type ProviderAdapter = PatchModelAdapter | ReplaceModelAdapter;

/** An adapter whose upstream changes single fields. */
export function isPatchModel(a: ProviderAdapter): a is PatchModelAdapter {
  return a.capabilities.updateModel === 'patch';
}

/** An adapter whose upstream only takes the whole connection. */
export function isReplaceModel(a: ProviderAdapter): a is ReplaceModelAdapter {
  return a.capabilities.updateModel === 'replace';
}
