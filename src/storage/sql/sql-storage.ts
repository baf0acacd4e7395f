import { sql, type Transaction } from 'kysely';
import type {
  AttemptRecord,
  ClaimedDelivery,
  ConnectionSnapshot,
  DeliveryClaim,
  DeliveryQuery,
  DeliveryRow,
  MonitorStateRow,
  ObservedChange,
  WebhookEndpointRow,
  SealedSecret,
  ApiKeyRow,
  Attribution,
  Broadcast,
  ConnectSessionRow,
  ConnectionCandidate,
  ConnectionLocks,
  ConnectionLookup,
  ConnectionRow,
  CreateIntentRow,
  CredentialMeta,
  EventRow,
  IdempotencyClaim,
  IdempotencyRecord,
  IdempotentAnswer,
  NewEvent,
  OrganizationRow,
  ResealedCredential,
  SealedCredentialRow,
  Storage,
} from '../../core/storage.js';
import * as apiKeys from './api-keys.js';
import * as connectSessions from './connect-sessions.js';
import * as connections from './connections.js';
import * as createIntents from './create-intents.js';
import * as credentials from './credentials.js';
import * as events from './events.js';
import * as idempotencyKeys from './idempotency-keys.js';
import * as organizations from './organizations.js';
import type { Tables } from './schema.js';
import { LOOKUPS_CHANGED, type LookupCache } from '../lookups.js';
import type { Db, Dialect, Session } from './session.js';
import * as settings from './settings.js';
import * as snapshots from './snapshots.js';
import * as deliveries from './webhook-deliveries.js';
import * as endpoints from './webhook-endpoints.js';

/**
 * The one implementation of the storage port, written once over kysely for both backends: the
 * same statements, transactions and conflict rules on SQLite and PostgreSQL. What differs is
 * given: how rows are locked (PostgreSQL takes row locks a concurrent replica respects; SQLite has
 * one writer), the per-connection lock and the broadcast. Each aggregate's queries are in its own
 * file; this class composes them over one session (the database, or the transaction open on it).
 */
export class SqlStorage implements Storage {
  readonly #session: Session;

  /** The lookups kept in memory (lookups.ts); null inside a transaction, which always reads the database. */
  readonly #lookups: LookupCache | null;

  constructor(
    db: Db,
    readonly locks: ConnectionLocks,
    readonly broadcast: Broadcast,
    readonly backend: Dialect,
    private readonly onClose: () => Promise<void>,
    memory: { lookups: LookupCache; readNow?: Session['readNow'] } | null,
  ) {
    this.#session = memory?.readNow
      ? { db, dialect: backend, readNow: memory.readNow }
      : { db, dialect: backend };
    this.#lookups = memory?.lookups ?? null;
  }

  #listening = false;

  /** What the other processes say of their writes is heard from the first lookup kept on (PostgreSQL listens on a connection of its own). */
  #hear(lookups: LookupCache): void {
    if (this.#listening) return;
    this.#listening = true;
    this.broadcast.subscribe(
      (message) => {
        if (message === LOOKUPS_CHANGED) lookups.clear();
      },
      () => lookups.clear(),
    );
  }

  /** A lookup through the memory (`keep`: whether an answer is kept). */
  #remembered<T>(key: string, read: () => Promise<T>, keep: (value: T) => boolean): Promise<T> {
    const lookups = this.#lookups;
    if (!lookups || lookups.ttlMs <= 0) return read();
    return lookups.through(key, read, (v) => {
      if (!keep(v)) return false;
      this.#hear(lookups);
      return true;
    });
  }

  /** PostgreSQL serves replicas; a SQLite file serves one process. */
  get sharedByProcesses(): boolean {
    return this.backend === 'postgres';
  }

  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.#session.db);
  }

  #closing: Promise<void> | null = null;

  /** Closes once; later calls wait for the first. */
  close(): Promise<void> {
    this.#closing ??= this.onClose();
    return this.#closing;
  }

  /** `cb` in one transaction (the one already open, when called inside one). */
  transaction<T>(cb: (tx: Storage) => Promise<T>): Promise<T> {
    const { db } = this.#session;
    if (db.isTransaction) return cb(this);
    return db.transaction().execute((trx) => cb(this.#on(trx)));
  }

  #on(trx: Transaction<Tables>): SqlStorage {
    return new SqlStorage(trx, this.locks, this.broadcast, this.backend, async () => {}, null);
  }

  getOrInitSetting(key: string, init: () => string): Promise<string> {
    return settings.getOrInitSetting(this.#session, key, init);
  }

  createOrganization(row: OrganizationRow, event: NewEvent): Promise<boolean> {
    return organizations.createOrganization(this.#session, row, event);
  }
  getOrganization(id: string): Promise<OrganizationRow | null> {
    return organizations.getOrganization(this.#session, id);
  }
  listOrganizations(afterId: string | null, limit: number): Promise<OrganizationRow[]> {
    return organizations.listOrganizations(this.#session, afterId, limit);
  }
  updateOrganization(row: OrganizationRow, event: NewEvent): Promise<boolean> {
    return organizations.updateOrganization(this.#session, row, event);
  }
  deleteOrganization(id: string, at: string, event: NewEvent): Promise<boolean> {
    return organizations.deleteOrganization(this.#session, id, at, event);
  }

  getConnection(id: string): Promise<ConnectionRow | null> {
    return connections.getConnection(this.#session, id);
  }
  getConnectionWithOrganization(
    organizationId: string,
    connectionId: string,
  ): Promise<ConnectionLookup | null> {
    const read = () => connections.getConnectionWithOrganization(this.#session, organizationId, connectionId);
    // Kept only when the connection exists (a new one is then found at once).
    return this.#remembered(
      `c\u0000${organizationId}\u0000${connectionId}`,
      read,
      (r) => r?.connection != null,
    );
  }
  ensureConnections(
    candidates: ConnectionCandidate[],
    now: string,
    discovered?: (row: ConnectionRow, i: number) => NewEvent,
  ): Promise<ConnectionRow[]> {
    return connections.ensureConnections(this.#session, candidates, now, discovered);
  }
  insertConnection(
    row: ConnectionRow,
    credential: SealedCredentialRow | null,
    event: NewEvent,
  ): Promise<boolean> {
    return connections.insertConnection(this.#session, row, credential, event);
  }
  recordConnectionUpdate(credential: SealedCredentialRow | null, event: NewEvent): Promise<void> {
    return connections.recordConnectionUpdate(this.#session, credential, event);
  }
  markConnectionDeleted(id: string, at: string, event: NewEvent | null): Promise<void> {
    return connections.markConnectionDeleted(this.#session, id, at, event);
  }
  liveConnections(
    organizationId: string,
    providerId: string,
    externalOrgId: string,
  ): Promise<ConnectionRow[]> {
    return connections.liveConnections(this.#session, organizationId, providerId, externalOrgId);
  }
  findLiveConnection(
    organizationId: string,
    providerId: string,
    externalOrgId: string,
    externalId: string,
  ): Promise<ConnectionRow | null> {
    return connections.findLiveConnection(
      this.#session,
      organizationId,
      providerId,
      externalOrgId,
      externalId,
    );
  }

  getCredential(connectionId: string): Promise<SealedCredentialRow | null> {
    return credentials.getCredential(this.#session, connectionId);
  }
  credentialMeta(connectionIds: string[]): Promise<Map<string, CredentialMeta>> {
    return credentials.credentialMeta(this.#session, connectionIds);
  }
  credentialsSealedWithOtherKeys(
    keyId: string,
    afterConnectionId: string | null,
    limit: number,
  ): Promise<SealedCredentialRow[]> {
    return credentials.credentialsSealedWithOtherKeys(this.#session, keyId, afterConnectionId, limit);
  }
  resealCredentials(rows: ResealedCredential[]): Promise<number> {
    return credentials.resealCredentials(this.#session, rows);
  }
  countCredentialsByKey(): Promise<Map<string, number>> {
    return credentials.countCredentialsByKey(this.#session);
  }

  listAllEvents(afterSeq: number, limit: number): Promise<EventRow[]> {
    return events.listAllEvents(this.#session, afterSeq, limit);
  }
  listEvents(organizationId: string, afterId: string | null, limit: number): Promise<EventRow[] | null> {
    return events.listEvents(this.#session, organizationId, afterId, limit);
  }

  setConnectionAttribution(id: string, attribution: Attribution): Promise<void> {
    return connections.setConnectionAttribution(this.#session, id, attribution);
  }

  insertConnectSession(row: ConnectSessionRow): Promise<boolean> {
    return connectSessions.insertConnectSession(this.#session, row);
  }
  getConnectSession(id: string): Promise<ConnectSessionRow | null> {
    return connectSessions.getConnectSession(this.#session, id);
  }
  getConnectSessionByTokenHash(tokenHash: string): Promise<ConnectSessionRow | null> {
    return connectSessions.getConnectSessionByTokenHash(this.#session, tokenHash);
  }
  listConnectSessions(
    organizationId: string,
    afterId: string | null,
    limit: number,
  ): Promise<ConnectSessionRow[]> {
    return connectSessions.listConnectSessions(this.#session, organizationId, afterId, limit);
  }
  revokeConnectSession(id: string, at: string): Promise<boolean> {
    return connectSessions.revokeConnectSession(this.#session, id, at);
  }
  completeConnectSession(id: string, connectionId: string, at: string, event: NewEvent): Promise<boolean> {
    return connectSessions.completeConnectSession(this.#session, id, connectionId, at, event);
  }
  setConnectSessionAttempt(
    id: string,
    attempt: { connection_id: string | null; error: { code: string; message: string } | null },
  ): Promise<void> {
    return connectSessions.setConnectSessionAttempt(this.#session, id, attempt);
  }
  pendingProviderFlows(
    organizationId: string,
    providerId: string,
    expiresAfter: string,
  ): Promise<ConnectSessionRow[]> {
    return connectSessions.pendingProviderFlows(this.#session, organizationId, providerId, expiresAfter);
  }
  completeProviderFlow(
    id: string,
    connectionId: string,
    attribution: Attribution,
    at: string,
    event: NewEvent,
  ): Promise<boolean> {
    return connectSessions.completeProviderFlow(this.#session, id, connectionId, attribution, at, event);
  }
  countConnectSubmission(id: string, now: string, windowStart: string): Promise<number> {
    return connectSessions.countConnectSubmission(this.#session, id, now, windowStart);
  }

  insertApiKey(row: ApiKeyRow, event: NewEvent | null): Promise<void> {
    return apiKeys.insertApiKey(this.#session, row, event);
  }
  getApiKeyByHash(keyHash: string): Promise<ApiKeyRow | null> {
    const read = () => apiKeys.getApiKeyByHash(this.#session, keyHash);
    return this.#remembered(`k\u0000${keyHash}`, read, (r) => r !== null);
  }
  listApiKeys(afterId: string | null, limit: number): Promise<ApiKeyRow[]> {
    return apiKeys.listApiKeys(this.#session, afterId, limit);
  }
  revokeApiKey(id: string, at: string, event: NewEvent | null): Promise<boolean> {
    return apiKeys.revokeApiKey(this.#session, id, at, event);
  }

  insertCreateIntent(intent: CreateIntentRow): Promise<void> {
    return createIntents.insertCreateIntent(this.#session, intent);
  }
  completeCreateIntent(
    intentId: string,
    externalId: string,
    kind: string,
    event: NewEvent,
  ): Promise<boolean> {
    return createIntents.completeCreateIntent(this.#session, intentId, externalId, kind, event);
  }
  dropCreateIntent(intentId: string): Promise<void> {
    return createIntents.dropCreateIntent(this.#session, intentId);
  }
  pendingCreateIntents(scope?: {
    organization_id: string;
    provider_id: string;
    external_org_id: string;
  }): Promise<CreateIntentRow[]> {
    return createIntents.pendingCreateIntents(this.#session, scope);
  }

  claimIdempotencyKey(
    claim: IdempotencyClaim,
    expiredBefore: string,
    abandonedBefore: string,
  ): Promise<{ claimed: true } | { claimed: false; existing: IdempotencyRecord }> {
    return idempotencyKeys.claimIdempotencyKey(this.#session, claim, expiredBefore, abandonedBefore);
  }
  completeIdempotencyKey(owner: string, key: string, answer: IdempotentAnswer): Promise<void> {
    return idempotencyKeys.completeIdempotencyKey(this.#session, owner, key, answer);
  }
  releaseIdempotencyKey(owner: string, key: string): Promise<void> {
    return idempotencyKeys.releaseIdempotencyKey(this.#session, owner, key);
  }

  recordEvents(list: NewEvent[]): Promise<void> {
    return events.recordEvents(this.#session, list);
  }

  insertWebhookEndpoint(row: WebhookEndpointRow): Promise<void> {
    return endpoints.insertWebhookEndpoint(this.#session, row);
  }
  getWebhookEndpoint(id: string): Promise<WebhookEndpointRow | null> {
    return endpoints.getWebhookEndpoint(this.#session, id);
  }
  listWebhookEndpoints(afterId: string | null, limit: number): Promise<WebhookEndpointRow[]> {
    return endpoints.listWebhookEndpoints(this.#session, afterId, limit);
  }
  updateWebhookEndpoint(row: WebhookEndpointRow): Promise<boolean> {
    return endpoints.updateWebhookEndpoint(this.#session, row);
  }
  resealWebhookSecrets(
    id: string,
    nonce: Buffer,
    secret: SealedSecret,
    previous: SealedSecret | null,
  ): Promise<boolean> {
    return endpoints.resealWebhookSecrets(this.#session, id, nonce, secret, previous);
  }
  deleteWebhookEndpoint(id: string): Promise<boolean> {
    return endpoints.deleteWebhookEndpoint(this.#session, id);
  }

  claimDeliveries(claim: DeliveryClaim): Promise<ClaimedDelivery[]> {
    return deliveries.claimDeliveries(this.#session, claim);
  }
  releaseDeliveries(ids: string[], owner: string): Promise<void> {
    return deliveries.releaseDeliveries(this.#session, ids, owner);
  }
  recordDeliveryAttempt(id: string, owner: string, record: AttemptRecord): Promise<boolean> {
    return deliveries.recordDeliveryAttempt(this.#session, id, owner, record);
  }
  listDeliveries(endpointId: string, q: DeliveryQuery, limit: number): Promise<DeliveryRow[]> {
    return deliveries.listDeliveries(this.#session, endpointId, q, limit);
  }
  getDelivery(endpointId: string, id: string): Promise<DeliveryRow | null> {
    return deliveries.getDelivery(this.#session, endpointId, id);
  }
  retryDelivery(endpointId: string, id: string, now: string): Promise<boolean> {
    return deliveries.retryDelivery(this.#session, endpointId, id, now);
  }
  countPendingDeliveries(): Promise<number> {
    return deliveries.countPendingDeliveries(this.#session);
  }

  connectionSnapshots(connectionIds: string[]): Promise<Map<string, ConnectionSnapshot>> {
    return snapshots.connectionSnapshots(this.#session, connectionIds);
  }
  recordObserved(changes: ObservedChange[]): Promise<number> {
    return snapshots.recordObserved(this.#session, changes);
  }
  monitorState(): Promise<MonitorStateRow[]> {
    return snapshots.monitorState(this.#session);
  }
  putMonitorState(row: MonitorStateRow): Promise<void> {
    return snapshots.putMonitorState(this.#session, row);
  }
}
