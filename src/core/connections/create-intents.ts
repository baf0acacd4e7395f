import type { Logger } from 'pino';
import type { CallContext, ProviderAdapter, UpstreamExpectation } from '../adapter.js';
import type { UpstreamConnection } from '../connection.js';
import { canonicalConnection } from './canonical.js';
import { isGatewayError } from '../errors.js';
import { newId } from '../ids.js';
import type { CreateIntentRow, NewEvent, Storage } from '../storage.js';

/** Upstream pages one reconciliation reads per provider scope before it leaves the rest for next time. */
const MAX_RECONCILE_PAGES = 50;
const PAGE = 100;
/**
 * An intent another replica wrote may be a create still running there: it is settled only once it
 * is older than any create runs (a provider call's deadline is far shorter).
 */
export const OTHER_PROCESS_INTENT_AGE_MS = 2 * 60_000;

/** Codes after which the upstream create provably did not happen (refused, or never sent). */
const NOT_CREATED = new Set([
  'validation_failed',
  'upstream_rejected',
  'not_found',
  'unsupported_change',
  'unsupported_operation',
  'rate_limited',
  'upstream_unavailable',
  'forbidden',
  'conflict',
  'credentials_required',
  'unauthenticated',
]);

/** Whether an upstream create that failed with `e` may still have made the connection. */
export function mayHaveCreated(e: unknown): boolean {
  return !(isGatewayError(e) && NOT_CREATED.has(e.code));
}

export function matches(expected: UpstreamExpectation, u: UpstreamConnection): boolean {
  const keys = Object.keys(expected) as Array<keyof UpstreamExpectation>;
  if (keys.length === 0) return false;
  return (
    (expected.external_id === undefined || expected.external_id === u.external_id) &&
    (expected.kind === undefined || expected.kind === u.kind) &&
    (!('name' in expected) || expected.name === u.name)
  );
}

/**
 * Connection creates that never orphan (crash safety). Before an upstream create, its intent is
 * committed: the id the connection will have, where, how to recognise it upstream, and its sealed
 * credentials. After the upstream answers, the intent becomes the connection in one transaction.
 * An intent left over — the process died, or the answer never came (a timeout, a caller who
 * left) — is settled later: a list that meets an unknown upstream connection matching it adopts it
 * under the intent's id with its credentials (a Versori connection stays patchable), and a
 * reconciliation at start and every few minutes looks for it upstream and drops it when it is not
 * there. Intents of creates still running in this process are left alone; on a database other
 * replicas share, so are other processes' intents younger than OTHER_PROCESS_INTENT_AGE_MS.
 */
export class CreateIntents {
  readonly #inFlight = new Set<string>();
  /** Intents this process wrote and has not seen settled. */
  readonly #mine = new Set<string>();

  constructor(
    private readonly storage: Storage,
    private readonly providers: ReadonlyMap<string, ProviderAdapter>,
    private readonly logger: Logger,
    /** RFC 3339 time of now, for the events of adoptions. */
    private readonly now: () => string,
  ) {}

  async begin(intent: CreateIntentRow): Promise<void> {
    await this.storage.insertCreateIntent(intent);
    this.#inFlight.add(intent.id);
    this.#mine.add(intent.id);
  }

  /** The create answered: the intent becomes the connection. False when a list adopted it meanwhile. */
  async complete(intent: CreateIntentRow, upstream: UpstreamConnection, event: NewEvent): Promise<boolean> {
    try {
      return await this.storage.completeCreateIntent(intent.id, upstream.external_id, upstream.kind, event);
    } finally {
      this.#inFlight.delete(intent.id);
      this.#mine.delete(intent.id);
    }
  }

  /** The create failed: drop the intent if it provably made nothing, else leave it to be settled. */
  async fail(intent: CreateIntentRow, e: unknown): Promise<void> {
    this.#inFlight.delete(intent.id);
    if (!mayHaveCreated(e)) {
      this.#mine.delete(intent.id);
      await this.storage.dropCreateIntent(intent.id);
    } else
      this.logger.warn(
        { intent: intent.id, provider: intent.provider_id, err_code: isGatewayError(e) ? e.code : 'aborted' },
        'connection create may have happened upstream; it will be settled',
      );
  }

  /**
   * Before a list's items are indexed: an item not yet in the index that matches a settled-later
   * intent of this scope is adopted under the intent's id, with its credentials.
   */
  async adoptListed(
    orgId: string,
    adapter: ProviderAdapter,
    externalOrgId: string,
    items: UpstreamConnection[],
  ): Promise<void> {
    const open = (
      await this.storage.pendingCreateIntents({
        organization_id: orgId,
        provider_id: adapter.id,
        external_org_id: externalOrgId,
      })
    ).filter((i) => !this.#inFlight.has(i.id));
    for (const intent of open) {
      for (const u of items) {
        if (!matches(intent.expected, u)) continue;
        if (await this.storage.findLiveConnection(orgId, adapter.id, externalOrgId, u.external_id)) continue;
        if (
          await this.storage.completeCreateIntent(
            intent.id,
            u.external_id,
            u.kind,
            adoptionEvent(intent, adapter, u, this.now()),
          )
        ) {
          this.#mine.delete(intent.id);
          this.logger.info(
            { intent: intent.id, provider: adapter.id },
            'connection create settled: adopted from the provider',
          );
          break;
        }
      }
    }
  }

  /**
   * Settles every intent not running here: found upstream → adopted; not there (after reading the
   * whole scope) → dropped. A provider that cannot be read keeps its intents for the next round.
   * With `only`, settles that intent's scope alone (a retried create with the same Idempotency-Key,
   * whose claim of the key shows the earlier attempt is running nowhere).
   */
  async reconcile(only?: (i: CreateIntentRow) => boolean): Promise<{ adopted: number; dropped: number }> {
    const othersBefore = Date.parse(this.now()) - OTHER_PROCESS_INTENT_AGE_MS;
    const settleable = (i: CreateIntentRow) =>
      only
        ? only(i)
        : !this.storage.sharedByProcesses || this.#mine.has(i.id) || Date.parse(i.created_at) < othersBefore;
    const open = (await this.storage.pendingCreateIntents()).filter(
      (i) => !this.#inFlight.has(i.id) && settleable(i),
    );
    const scopes = new Map<string, CreateIntentRow[]>();
    for (const i of open) {
      const k = JSON.stringify([i.organization_id, i.provider_id, i.external_org_id]);
      scopes.set(k, [...(scopes.get(k) ?? []), i]);
    }
    let adopted = 0;
    let dropped = 0;
    for (const intents of scopes.values()) {
      const first = intents[0] as CreateIntentRow;
      const adapter = this.providers.get(first.provider_id);
      if (!adapter) continue;
      const ctx: CallContext = { requestId: `reconcile-${newId('r', 8)}`, fresh: true };
      try {
        let cursor: string | undefined;
        let complete = false;
        for (let pages = 0; pages < MAX_RECONCILE_PAGES; pages++) {
          const page = await adapter.list(ctx, first.external_org_id, { limit: PAGE, cursor });
          await this.adoptListed(first.organization_id, adapter, first.external_org_id, page.items);
          if (page.nextCursor === null) {
            complete = true;
            break;
          }
          cursor = page.nextCursor;
        }
        const left = new Set(
          (
            await this.storage.pendingCreateIntents({
              organization_id: first.organization_id,
              provider_id: first.provider_id,
              external_org_id: first.external_org_id,
            })
          ).map((i) => i.id),
        );
        for (const i of intents) {
          if (left.has(i.id) && !complete) continue;
          this.#mine.delete(i.id);
          if (!left.has(i.id)) adopted += 1;
          else if (complete) {
            await this.storage.dropCreateIntent(i.id);
            dropped += 1;
            this.logger.warn(
              { intent: i.id, provider: i.provider_id },
              'connection create settled: not made upstream; intent dropped',
            );
          }
        }
      } catch (e) {
        this.logger.warn(
          { provider: first.provider_id, err_code: isGatewayError(e) ? e.code : 'error' },
          'connection creates could not be settled now; trying later',
        );
      }
    }
    return { adopted, dropped };
  }
}

/** The event of a create settled by adoption: the create's own (its actor, request and fields), with the connection as found. */
function adoptionEvent(
  i: CreateIntentRow,
  adapter: ProviderAdapter,
  u: UpstreamConnection,
  at: string,
): NewEvent {
  const row = {
    id: i.id,
    organization_id: i.organization_id,
    provider_id: i.provider_id,
    external_org_id: i.external_org_id,
    external_id: u.external_id,
    kind: u.kind,
    created_at: at,
    deleted_at: null,
  };
  const stored = i.credential
    ? {
        connection_id: i.id,
        credential_type: i.credential.credential_type,
        updated_at: i.credential.updated_at,
      }
    : null;
  return {
    connection: canonicalConnection(row, adapter, u, stored),
    id: newId('ev'),
    type: 'connection.created',
    organization_id: i.organization_id,
    connection_id: i.id,
    actor: i.actor,
    changed: i.changed,
    request_id: i.request_id,
    at,
  };
}
