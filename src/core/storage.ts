import type { Connection, EndUser, Health, Metadata } from './connection.js';

/**
 * The storage port: what the services need of a database. Rows, not requests. Implemented once over
 * SQL (`src/storage/`) for SQLite (one process) and PostgreSQL (several replicas on one database). Every method that writes
 * more than one row does so in one transaction; `transaction(cb)` groups several calls into one.
 */

export interface OrganizationRow {
  id: string;
  name: string;
  links: Record<string, string>;
  created_at: string;
  updated_at: string;
}

/** The gateway's connection index: canonical id ↔ provider + upstream ids. Rows are never reused. */
export interface ConnectionRow {
  id: string;
  organization_id: string;
  provider_id: string;
  external_org_id: string;
  external_id: string;
  kind: string;
  created_at: string;
  deleted_at: string | null;
  /** Who it was made for (its connect session's end user and metadata); absent or null otherwise. */
  end_user?: EndUser | null;
  metadata?: Metadata | null;
}

/** Who a connection is made for: its connect session's end user and metadata. */
export interface Attribution {
  end_user: EndUser;
  metadata: Metadata | null;
}

export interface SealedCredentialRow {
  connection_id: string;
  organization_id: string;
  key_id: string;
  nonce: Buffer;
  ciphertext: Buffer;
  credential_type: string | null;
  updated_at: string;
}

/**
 * A sealed row re-sealed under another key (key rotation). It replaces the stored row only while that
 * row still holds `from` (compare-and-swap on key id and nonce, every write has a fresh nonce), so a
 * write made meanwhile by a running gateway is never lost. `updated_at` stays: the credentials did not change.
 */
export interface ResealedCredential {
  connection_id: string;
  from: { key_id: string; nonce: Buffer };
  key_id: string;
  nonce: Buffer;
  ciphertext: Buffer;
}

export type CredentialMeta = Pick<SealedCredentialRow, 'connection_id' | 'credential_type' | 'updated_at'>;

export interface EventRow {
  seq: number;
  id: string;
  type: string;
  organization_id: string;
  connection_id: string | null;
  /** The API key an `api_key.*` event is about (gateway-wide events have organization_id ''). */
  api_key_id?: string;
  actor: string;
  changed: string[];
  request_id: string | null;
  at: string;
  /** The fields of its type beyond these (a monitor event's `previous` and `current`). */
  data?: Record<string, unknown>;
  /** The canonical connection as it was after the event, for its webhook payload (never a secret); null when gone. */
  connection?: Connection | null;
}

/**
 * An event to record. Its deliveries (one per enabled webhook endpoint whose organizations and event
 * patterns match; only `deliver_to`'s, with its id, when given) are written with it, in the same transaction. When
 * it carries a `connection`, that connection's snapshot becomes what it shows.
 */
export type NewEvent = Omit<EventRow, 'seq'> & { deliver_to?: { endpoint_id: string; delivery_id: string } };

/** What the monitor compares of a connection: the parts that change at a provider. */
export interface ConnectionSnapshot {
  kind: string;
  name: string | null;
  status: string;
  health: Health;
  settings: Record<string, unknown>;
}

/** A change the monitor saw: recorded only if the connection's snapshot is still `expected` (no write in between). */
export interface ObservedChange {
  connection_id: string;
  /** The snapshot the comparison was made against (null: none yet). */
  expected: ConnectionSnapshot | null;
  snapshot: ConnectionSnapshot;
  /** Its events (none: only the snapshot is taken, e.g. a connection known before snapshots existed). */
  events: NewEvent[];
}

/** A sealed secret (AES-256-GCM, as credentials are). */
export interface SealedSecret {
  key_id: string;
  nonce: Buffer;
  ciphertext: Buffer;
}

export type WebhookStatus = 'enabled' | 'disabled';

export interface WebhookEndpointRow {
  id: string;
  url: string;
  /** Event type patterns: exact, `*`, or a prefix ending in `*`. */
  events: string[];
  /** `['*']` or organization ids. */
  organization_ids: string[];
  description: string | null;
  status: WebhookStatus;
  /** Why it was disabled (`gone`: the receiver answered 410; `failing`: every attempt failed for too long; `caller`). */
  disabled_reason: string | null;
  secret: SealedSecret;
  /** The secret before the last rotation, signing beside the new one until `previous_expires_at`. */
  previous_secret: SealedSecret | null;
  previous_expires_at: string | null;
  /** Since when every attempt to it has failed (null: the last one succeeded, or none yet). */
  failing_since: string | null;
  created_at: string;
  updated_at: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dropped';

export interface DeliveryAttempt {
  at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_attempt: DeliveryAttempt | null;
  created_at: string;
  delivered_at: string | null;
}

/** A delivery claimed for one attempt, with what the attempt needs. */
export interface ClaimedDelivery {
  delivery: DeliveryRow;
  event: EventRow;
  endpoint: WebhookEndpointRow;
}

export interface DeliveryClaim {
  /** Who claims (a process); the lease is theirs until `lease_until`. */
  owner: string;
  now: string;
  lease_until: string;
  limit: number;
  /** Endpoints not to claim for (this process has as many in flight to them as it allows). */
  skip_endpoints: string[];
}

/** How an attempt ended and what follows for the delivery and its endpoint. */
export interface AttemptRecord {
  attempt: DeliveryAttempt;
  status: 'pending' | 'delivered' | 'failed';
  next_attempt_at: string | null;
  /**
   * What the attempt says of its endpoint. A success ends its failing spell. A failure starts one
   * (or goes on with it) and disables the endpoint when the receiver said it is `gone` (410), or
   * when it has been failing since `disable_if_failing_since` or earlier; `disabled` is then the
   * endpoint's `webhook.disabled` event (its `data.reason` is filled in).
   */
  endpoint: { ok: true } | { ok: false; gone: boolean; disable_if_failing_since: string; disabled: NewEvent };
}

export interface DeliveryQuery {
  status?: DeliveryStatus | undefined;
  event_type?: string | undefined;
  /** Newest first: only deliveries before this one. */
  before?: { created_at: string; id: string } | undefined;
}

export type ConnectSessionStatus = 'pending' | 'completed' | 'revoked';

/** What a connect session lets its end user connect: a provider entry and, optionally, some of its kinds. */
export interface AllowedConnection {
  provider: string;
  /** null: every kind the provider offers. */
  kinds: string[] | null;
}

/** A connect session (contract §10): never its token, only the token's SHA-256. */
export interface ConnectSessionRow {
  id: string;
  organization_id: string;
  token_hash: string;
  end_user: EndUser;
  metadata: Metadata | null;
  allowed: AllowedConnection[];
  /** A reconnect's connection; null for a new one. */
  connection_id: string | null;
  return_url: string;
  /** `page`: the hosted page collects the credentials. */
  flow: string;
  /** `pending` also when past `expires_at` (the API shows `expired`). */
  status: ConnectSessionStatus;
  /** The connection the session made or reconnected. */
  result_connection_id: string | null;
  /** A connection made by the page and waiting for the end user's consent at the provider (OAuth). */
  attempt_connection_id: string | null;
  /** Why the last attempt failed (never a secret). */
  error: { code: string; message: string } | null;
  /** Who made the session (`admin`, `key:<id>`): the actor of what the page does. */
  actor: string;
  created_at: string;
  expires_at: string;
  completed_at: string | null;
  revoked_at: string | null;
  /** A provider-hosted flow's state (`flow: "provider"`), else null. */
  provider_flow: ProviderFlowState | null;
}

/** What the gateway keeps of a session's provider flow (contract §11). */
export interface ProviderFlowState {
  /** The provider entry whose flow it is. */
  provider_id: string;
  /** The flow as started (`ProviderFlowStarted`: what it hands the end user, and the handle revoking and recognising need), sealed: an invite token, a ticket URL or id is a capability. */
  sealed: SealedSecret;
  started_at: string;
}

/** The monitor's state of one provider entry, shared by the replicas. */
export interface MonitorStateRow {
  provider_id: string;
  last_pass_at: string | null;
  last_pass_ms: number | null;
  next_pass_at: string | null;
  last_error: string | null;
}

/** An API key as stored: never the key, only its SHA-256. */
export interface ApiKeyRow {
  id: string;
  name: string;
  /** `['*']` or organization ids. */
  organization_ids: string[];
  scopes: string[];
  key_hash: string;
  created_at: string;
  revoked_at: string | null;
}

/** A connection index entry to create if no live entry exists for its upstream identity. */
export interface ConnectionCandidate {
  organization_id: string;
  provider_id: string;
  external_org_id: string;
  external_id: string;
  kind: string;
  /** Id to use when a new row is made. */
  new_id: string;
}

export interface ConnectionLookup {
  organization: OrganizationRow;
  connection: ConnectionRow | null;
  /** What is known of the connection's sealed credentials (null: none stored). */
  credential: CredentialMeta | null;
}

/** The per-connection lock: serialises read-merge-write of one connection. Its own port: in-process on SQLite, a lease on PostgreSQL. */
export interface ConnectionLocks {
  /** Runs fn while holding the connection's lock. */
  run<T>(connectionId: string, fn: () => Promise<T>): Promise<T>;
  /** Runs fn while holding the lock `key` if nobody holds it now (across replicas); `ran: false` without waiting otherwise. */
  tryRun<T>(key: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
}

/** Messages between the processes on one database (PostgreSQL: LISTEN/NOTIFY; SQLite: one process, nobody to tell). */
export interface Broadcast {
  /** Sends to every other process (best effort: a lost message costs freshness, never correctness). */
  publish(message: string): Promise<void>;
  /**
   * Hears what the other processes send (not this one's own messages). `gap` is called when some
   * may have been missed (the connection that hears them was lost and is back): drop what they
   * would have dropped.
   */
  subscribe(listener: (message: string) => void, gap?: () => void): void;
}

export interface Storage {
  readonly backend: 'sqlite' | 'postgres';
  /** Whether other gateway processes (replicas) may be writing this database at the same time. */
  readonly sharedByProcesses: boolean;
  readonly locks: ConnectionLocks;
  readonly broadcast: Broadcast;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Runs cb in one transaction: the calls made on `tx` commit together, or none does (cb throws). */
  transaction<T>(cb: (tx: Storage) => Promise<T>): Promise<T>;

  /** Installation-wide values (e.g. the cursor signing secret): set once, first writer wins. */
  getOrInitSetting(key: string, init: () => string): Promise<string>;

  /** One transaction: the row and its event; false (nothing written) when the id exists. */
  createOrganization(row: OrganizationRow, event: NewEvent): Promise<boolean>;
  getOrganization(id: string): Promise<OrganizationRow | null>;
  /** Ordered by id; rows with id > afterId. */
  listOrganizations(afterId: string | null, limit: number): Promise<OrganizationRow[]>;
  /** One transaction: the row and its event; false (nothing written) when the organization no longer exists. */
  updateOrganization(row: OrganizationRow, event: NewEvent): Promise<boolean>;
  /**
   * One transaction: the organization row goes, its connections' sealed credentials are deleted, its
   * live connection rows are tombstoned (their ids never come back, not under a new organization
   * with the same id either), and the event is recorded; false (nothing written) when it did not exist.
   * Its events stay (the audit trail).
   */
  deleteOrganization(id: string, at: string, event: NewEvent): Promise<boolean>;

  // No live connection row and no sealed credentials are ever written for an organization that does
  // not exist (a request in flight while its organization is deleted), nor credentials for a
  // tombstoned connection.
  getConnection(id: string): Promise<ConnectionRow | null>;
  /** An organization, one of its connections and that connection's stored-credential facts in one lookup; null when the organization does not exist. */
  getConnectionWithOrganization(
    organizationId: string,
    connectionId: string,
  ): Promise<ConnectionLookup | null>;
  /**
   * For each candidate, the live row for its upstream identity, made (with `new_id`) when absent;
   * made but not kept when the organization does not exist. A row made here records
   * `discovered(row, i)`'s event (the candidate's index) in the same transaction, when given.
   */
  ensureConnections(
    candidates: ConnectionCandidate[],
    now: string,
    discovered?: (row: ConnectionRow, i: number) => NewEvent,
  ): Promise<ConnectionRow[]>;
  /** One transaction: the index row, the sealed credentials (if any) and the event; false (nothing written) when the organization does not exist. */
  insertConnection(
    row: ConnectionRow,
    credential: SealedCredentialRow | null,
    event: NewEvent,
  ): Promise<boolean>;
  /** One transaction: replace the sealed credentials (if given, and the connection is live) and record the event. */
  recordConnectionUpdate(credential: SealedCredentialRow | null, event: NewEvent): Promise<void>;
  /** One transaction: tombstone the row (id never reused), drop its credentials, record the event. */
  markConnectionDeleted(id: string, at: string, event: NewEvent | null): Promise<void>;

  getCredential(connectionId: string): Promise<SealedCredentialRow | null>;
  credentialMeta(connectionIds: string[]): Promise<Map<string, CredentialMeta>>;

  /** Key rotation: sealed rows whose key id is not `keyId`, ordered by connection id, after `afterConnectionId` (from the start when null). */
  credentialsSealedWithOtherKeys(
    keyId: string,
    afterConnectionId: string | null,
    limit: number,
  ): Promise<SealedCredentialRow[]>;
  /** Key rotation, one transaction: each row replaced only if it still holds its `from` key id and nonce; how many were replaced. */
  resealCredentials(rows: ResealedCredential[]): Promise<number>;
  /** How many sealed rows each key id holds. */
  countCredentialsByKey(): Promise<Map<string, number>>;

  /** Every event of the gateway (all organizations, deleted ones too, and its own), oldest first, after the one with seq `afterSeq`. */
  listAllEvents(afterSeq: number, limit: number): Promise<EventRow[]>;
  /**
   * Events of an organization oldest first, after the event `afterId` (from the start when null); null
   * when afterId is not one of them. Only the organization's current life: from its latest
   * `organization.created` event on (an earlier organization with the same id keeps its events, unlisted).
   */
  listEvents(organizationId: string, afterId: string | null, limit: number): Promise<EventRow[] | null>;

  /** One transaction: the key and its event. */
  insertApiKey(row: ApiKeyRow, event: NewEvent | null): Promise<void>;
  /** Replaces the end user and metadata of a live connection (a reconnect through a session). */
  setConnectionAttribution(id: string, attribution: Attribution): Promise<void>;

  /** False (nothing written) when the organization does not exist. */
  insertConnectSession(row: ConnectSessionRow): Promise<boolean>;
  getConnectSession(id: string): Promise<ConnectSessionRow | null>;
  getConnectSessionByTokenHash(tokenHash: string): Promise<ConnectSessionRow | null>;
  /** An organization's sessions by id, after `afterId`. */
  listConnectSessions(
    organizationId: string,
    afterId: string | null,
    limit: number,
  ): Promise<ConnectSessionRow[]>;
  /** A pending session becomes revoked; false when it is not pending. */
  revokeConnectSession(id: string, at: string): Promise<boolean>;
  /** One transaction: a pending session becomes completed with its connection, and its event is recorded; false when it is not pending. */
  completeConnectSession(id: string, connectionId: string, at: string, event: NewEvent): Promise<boolean>;
  /** Records the page's attempt: the connection waiting for a consent, and the last error (each null to clear). */
  setConnectSessionAttempt(
    id: string,
    attempt: { connection_id: string | null; error: { code: string; message: string } | null },
  ): Promise<void>;
  /** Pending sessions of provider flows at one provider entry for an organization that expire after `expiresAfter`, oldest first. */
  pendingProviderFlows(
    organizationId: string,
    providerId: string,
    expiresAfter: string,
  ): Promise<ConnectSessionRow[]>;
  /**
   * One transaction: a pending session becomes completed with its connection, the connection takes
   * the session's end user and metadata, and the event is recorded; false when it was no longer pending.
   */
  completeProviderFlow(
    id: string,
    connectionId: string,
    attribution: Attribution,
    at: string,
    event: NewEvent,
  ): Promise<boolean>;
  /** Counts one submission of the session's page in the window that started at `windowStart` or later (a new window starts at `now`); the count so far. */
  countConnectSubmission(id: string, now: string, windowStart: string): Promise<number>;

  /** The key with this hash, revoked or not. */
  getApiKeyByHash(keyHash: string): Promise<ApiKeyRow | null>;
  /** Keys not revoked, by id. */
  listApiKeys(afterId: string | null, limit: number): Promise<ApiKeyRow[]>;
  /** Revokes a live key (with its event, in one transaction); false when there is none with this id. */
  revokeApiKey(id: string, at: string, event: NewEvent | null): Promise<boolean>;

  /** A create about to be sent upstream, committed before the call (crash safety). */
  insertCreateIntent(intent: CreateIntentRow): Promise<void>;
  /**
   * One transaction: the intent becomes the connection (index row with the intent's id, its sealed
   * credentials, the event). False when the intent was already taken (adopted meanwhile) or dropped.
   */
  completeCreateIntent(intentId: string, externalId: string, kind: string, event: NewEvent): Promise<boolean>;
  /** The create did not happen upstream: the intent and its sealed credentials go. */
  dropCreateIntent(intentId: string): Promise<void>;
  /** Intents still open, oldest first; of one upstream scope when given. */
  pendingCreateIntents(scope?: {
    organization_id: string;
    provider_id: string;
    external_org_id: string;
  }): Promise<CreateIntentRow[]>;
  /** The live index rows of one upstream scope (an organization's connections at one provider entry and organization there). */
  liveConnections(
    organizationId: string,
    providerId: string,
    externalOrgId: string,
  ): Promise<ConnectionRow[]>;
  /** The live index row of an upstream connection, if any. */
  findLiveConnection(
    organizationId: string,
    providerId: string,
    externalOrgId: string,
    externalId: string,
  ): Promise<ConnectionRow | null>;

  /**
   * Claims an idempotency key for a request (contract §5.4): `claimed` when this request runs,
   * else the record found (running or done). Records older than `expiredBefore`, and unanswered
   * ones older than `abandonedBefore`, count as absent.
   */
  claimIdempotencyKey(
    record: IdempotencyClaim,
    expiredBefore: string,
    abandonedBefore: string,
  ): Promise<{ claimed: true } | { claimed: false; existing: IdempotencyRecord }>;
  /** The request ended: its answer is kept for replay. */
  completeIdempotencyKey(owner: string, key: string, answer: IdempotentAnswer): Promise<void>;
  /** The request ended in a way worth running again (a 5xx): the key is free again. */
  releaseIdempotencyKey(owner: string, key: string): Promise<void>;

  /** Events not tied to another write (a webhook test, the monitor's), each with its deliveries, in one transaction. */
  recordEvents(events: NewEvent[]): Promise<void>;

  insertWebhookEndpoint(row: WebhookEndpointRow): Promise<void>;
  getWebhookEndpoint(id: string): Promise<WebhookEndpointRow | null>;
  /** By id, after `afterId`. */
  listWebhookEndpoints(afterId: string | null, limit: number): Promise<WebhookEndpointRow[]>;
  /** Replaces the row; false when it no longer exists. */
  updateWebhookEndpoint(row: WebhookEndpointRow): Promise<boolean>;
  /** Key rotation: replaces an endpoint's sealed secrets only while its current one is still the one with `nonce` (compare-and-swap); false otherwise. */
  resealWebhookSecrets(
    id: string,
    nonce: Buffer,
    secret: SealedSecret,
    previous: SealedSecret | null,
  ): Promise<boolean>;
  /** One transaction: the endpoint goes, its undelivered deliveries become `dropped`; false when there was none. */
  deleteWebhookEndpoint(id: string): Promise<boolean>;

  /** Leases due pending deliveries of enabled endpoints (oldest due first), each with its event and endpoint; never one leased by another. */
  claimDeliveries(claim: DeliveryClaim): Promise<ClaimedDelivery[]>;
  /** Hands leased deliveries back unattempted. */
  releaseDeliveries(ids: string[], owner: string): Promise<void>;
  /** One transaction: the attempt on the delivery (if `owner` still holds it) and what follows for its endpoint; false when the lease was lost. */
  recordDeliveryAttempt(id: string, owner: string, record: AttemptRecord): Promise<boolean>;
  /** An endpoint's deliveries, newest first. */
  listDeliveries(endpointId: string, q: DeliveryQuery, limit: number): Promise<DeliveryRow[]>;
  getDelivery(endpointId: string, id: string): Promise<DeliveryRow | null>;
  /** The delivery becomes pending and due at `now` (one more attempt, whatever its status); false when there is none. */
  retryDelivery(endpointId: string, id: string, now: string): Promise<boolean>;
  /** Deliveries still to be made. */
  countPendingDeliveries(): Promise<number>;

  /** The snapshots of these connections (none for one never seen since snapshots exist). */
  connectionSnapshots(connectionIds: string[]): Promise<Map<string, ConnectionSnapshot>>;
  /** One transaction: each change whose connection's snapshot is still `expected` takes its snapshot and records its events; how many did. */
  recordObserved(changes: ObservedChange[]): Promise<number>;
  monitorState(): Promise<MonitorStateRow[]>;
  putMonitorState(row: MonitorStateRow): Promise<void>;
}

/**
 * A connection create recorded before its upstream call: the id the connection will have, where,
 * and its sealed credentials (bound to that id), so a crash between the upstream create and the
 * local commit leaves enough to adopt the upstream connection as if nothing happened.
 */
export interface CreateIntentRow {
  id: string;
  organization_id: string;
  provider_id: string;
  external_org_id: string;
  /** How the connection will be recognised upstream (the adapter's `expectedUpstream`). */
  expected: { external_id?: string; kind?: string; name?: string | null };
  /** The fields the create set (for its event). */
  changed: string[];
  /** The sealed credentials, if the create carried any (AAD bound to `id`). */
  credential: Omit<SealedCredentialRow, 'connection_id' | 'organization_id'> | null;
  actor: string;
  request_id: string | null;
  /** `owner` + key of the Idempotency-Key the create came with, if any. */
  idempotency: string | null;
  /** Whom the connection is made for (a connect session's), if anyone. */
  attribution?: Attribution | null;
  created_at: string;
}

export interface IdempotencyClaim {
  /** Whose key it is (the caller's actor): keys are per caller. */
  owner: string;
  key: string;
  /** What the request was: method, path and a hash of its body. */
  fingerprint: string;
  created_at: string;
}

export interface IdempotentAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface IdempotencyRecord extends IdempotencyClaim {
  /** null while the first request runs. */
  answer: IdempotentAnswer | null;
}
