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
}

export type NewEvent = Omit<EventRow, 'seq'>;

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
}

/** Messages between the processes on one database (PostgreSQL: LISTEN/NOTIFY; SQLite: one process, nobody to tell). */
export interface Broadcast {
  /** Sends to every other process (best effort: a lost message costs freshness, never correctness). */
  publish(message: string): Promise<void>;
  /** Hears what the other processes send (not this one's own messages). */
  subscribe(listener: (message: string) => void): void;
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
  /** For each candidate, the live row for its upstream identity, made (with `new_id`) when absent; made but not kept when the organization does not exist. */
  ensureConnections(candidates: ConnectionCandidate[], now: string): Promise<ConnectionRow[]>;
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
