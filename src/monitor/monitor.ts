import type { Logger } from 'pino';
import type { ProviderAdapter } from '../core/adapter.js';
import { ADMIN } from '../core/caller.js';
import type { Connection } from '../core/connection.js';
import type { ConnectionService } from '../core/connections/service.js';
import { isGatewayError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { RequestContext } from '../core/services/context.js';
import { gatewayEvent } from '../core/services/events.js';
import { snapshotOf, stableJson } from '../core/snapshot.js';
import type {
  ConnectionSnapshot,
  MonitorStateRow,
  NewEvent,
  ObservedChange,
  Storage,
} from '../core/storage.js';

/**
 * The connection monitor (contract §9.3): changes happen at the providers directly (a sync job
 * fails, an end user gives OAuth consent, someone renames or deletes a connection in a console).
 * Every `intervalMs` one pass — one at a time across replicas, under a lease — reads every
 * organization's connections at every linked provider entry through the list path, compares each
 * with its snapshot (what the gateway last saw), and records what changed. Changes the gateway made
 * itself updated the snapshot in their own transaction, so they are never reported twice; a
 * provider that cannot be read is reported in its state and never yields `removed_upstream`.
 */

export interface MonitorDeps {
  storage: Storage;
  connections: ConnectionService;
  providers: ReadonlyMap<string, ProviderAdapter>;
  logger: Logger;
  now: () => Date;
  intervalMs: number;
  /** Waits the provider asked for (its rate limit); tests move a clock instead. */
  sleep?: (ms: number) => Promise<void>;
  /** Connections asked for per page. */
  pageSize?: number;
}

/** How often a page refused by a rate limit is tried again before the provider's part of the pass fails. */
const THROTTLED_TRIES = 5;
const ORGANIZATIONS_PAGE = 200;
const LEASE = 'monitor:pass';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

const same = (a: unknown, b: unknown): boolean => stableJson(a) === stableJson(b);

/** The events of a connection whose snapshot was `before` and now looks like `c`. */
export function changesOf(
  before: ConnectionSnapshot,
  c: Connection,
  at: string,
  requestId: string,
): NewEvent[] {
  const now = snapshotOf(c);
  const row = { organization_id: c.organization_id, id: c.id };
  const events: NewEvent[] = [];
  // Only a change of `health.status` is an event (a provider may reword its description every sync);
  // the description and owner come with it, and are kept current in the snapshot meanwhile.
  if (before.health.status !== now.health.status) {
    events.push({
      ...gatewayEvent('connection.health_changed', row, ['health'], at, requestId),
      data: { previous: before.health, current: now.health },
      connection: c,
    });
  }
  if (before.status !== now.status) {
    events.push({
      ...gatewayEvent('connection.status_changed', row, ['status'], at, requestId),
      data: { previous: { status: before.status }, current: { status: now.status } },
      connection: c,
    });
  }
  const changed = (['name', 'settings', 'kind'] as const).filter((k) => !same(before[k], now[k]));
  if (changed.length > 0)
    events.push({
      ...gatewayEvent('connection.changed_upstream', row, changed, at, requestId),
      connection: c,
    });
  return events;
}

export class ConnectionMonitor {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | null = null;

  constructor(private readonly deps: MonitorDeps) {}

  start(): void {
    if (this.deps.intervalMs <= 0) return;
    this.#timer = setInterval(() => void this.runDue(), this.deps.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }

  /** A pass, unless one runs (here or on another replica) or every provider entry had its pass within the interval. */
  runDue(): Promise<void> {
    this.#running ??= this.#runDue().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #runDue(): Promise<void> {
    try {
      await this.deps.storage.locks.tryRun(LEASE, async () => {
        const states = new Map((await this.deps.storage.monitorState()).map((s) => [s.provider_id, s]));
        const now = this.deps.now().getTime();
        const due = [...this.deps.providers.keys()].some((id) => {
          const next = states.get(id)?.next_pass_at;
          return next === undefined || next === null || Date.parse(next) <= now;
        });
        if (due) await this.pass();
      });
    } catch (e) {
      this.deps.logger.warn({ err: e }, 'connection monitor: the pass could not run');
    }
  }

  /** One pass over every provider entry; each one's state records how it went. */
  async pass(): Promise<void> {
    for (const adapter of this.deps.providers.values()) {
      const started = this.deps.now();
      const t0 = performance.now();
      let error: string | null = null;
      try {
        await this.#passOf(adapter);
      } catch (e) {
        error = isGatewayError(e) ? `${e.code}: ${e.message}` : 'the pass failed';
        this.deps.logger.warn(
          { provider: adapter.id, err_code: isGatewayError(e) ? e.code : 'error' },
          'connection monitor: provider pass failed',
        );
      }
      const state: MonitorStateRow = {
        provider_id: adapter.id,
        last_pass_at: started.toISOString(),
        last_pass_ms: Math.round((performance.now() - t0) * 10) / 10,
        next_pass_at:
          this.deps.intervalMs > 0 ? new Date(started.getTime() + this.deps.intervalMs).toISOString() : null,
        last_error: error,
      };
      await this.deps.storage.putMonitorState(state);
    }
  }

  async #passOf(adapter: ProviderAdapter): Promise<void> {
    const { storage } = this.deps;
    const requestId = `monitor-${newId('r', 10)}`;
    const ctx: RequestContext = { requestId, caller: ADMIN, fresh: true };
    let failed: unknown = null;
    for (let after: string | null = null; ; ) {
      const orgs = await storage.listOrganizations(after, ORGANIZATIONS_PAGE);
      for (const org of orgs) {
        const externalOrgId = org.links[adapter.id];
        if (externalOrgId === undefined) continue;
        try {
          await this.#organizationPass(ctx, org.id, externalOrgId, adapter);
        } catch (e) {
          // One organization failing does not stop the others; the provider's pass reports it.
          failed ??= e;
        }
      }
      if (orgs.length < ORGANIZATIONS_PAGE) break;
      after = orgs.at(-1)?.id ?? null;
    }
    if (failed !== null) throw failed;
  }

  async #organizationPass(
    ctx: RequestContext,
    orgId: string,
    externalOrgId: string,
    adapter: ProviderAdapter,
  ): Promise<void> {
    const { storage, connections } = this.deps;
    const seen = new Set<string>();
    let throttled = 0;
    await connections.walkProvider(
      ctx,
      orgId,
      externalOrgId,
      adapter.id,
      this.deps.pageSize ?? 100,
      async (items) => {
        for (const c of items) seen.add(c.id);
        const snapshots = await storage.connectionSnapshots(items.map((c) => c.id));
        const at = this.deps
          .now()
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z');
        const changes: ObservedChange[] = [];
        for (const c of items) {
          const before = snapshots.get(c.id) ?? null;
          const now = snapshotOf(c);
          // Known before snapshots existed (or adopted without one): its first snapshot, no event.
          if (before === null)
            changes.push({ connection_id: c.id, expected: null, snapshot: now, events: [] });
          else {
            const events = changesOf(before, c, at, ctx.requestId);
            // Changed without an event (a health description alone): the snapshot follows, silently.
            if (events.length > 0 || !same(before, now))
              changes.push({ connection_id: c.id, expected: before, snapshot: now, events });
          }
        }
        await storage.recordObserved(changes);
      },
      async (e) => {
        if (!isGatewayError(e) || e.code !== 'rate_limited' || (throttled += 1) > THROTTLED_TRIES)
          return false;
        await (this.deps.sleep ?? sleep)((e.retryAfter ?? 1) * 1000);
        return true;
      },
    );
    // The whole list was read: what the index holds and the list did not show is read on its own,
    // and retired (connection.removed_upstream) only when the provider answers 404 for it; a create
    // that finished after the list was read is there, and stays.
    const missing = (await storage.liveConnections(orgId, adapter.id, externalOrgId)).filter(
      (r) => !seen.has(r.id),
    );
    for (const row of missing) {
      try {
        await connections.get(ctx, orgId, row.id);
      } catch (e) {
        if (!isGatewayError(e) || e.code !== 'not_found') throw e;
      }
    }
  }
}
