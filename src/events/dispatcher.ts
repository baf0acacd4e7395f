import type { Logger } from 'pino';
import type { Sealer } from '../core/crypto.js';
import { newId } from '../core/ids.js';
import { signingSecrets } from '../core/services/webhooks.js';
import type { AttemptRecord, ClaimedDelivery, NewEvent, Storage } from '../core/storage.js';
import type { DeliveryMetrics } from './metrics.js';
import { payloadOf } from './payload.js';
import { retryDelay } from './schedule.js';
import type { SendResult, WebhookSender } from './sender.js';
import { signatureHeaders } from './signer.js';

export interface DispatcherSettings {
  /** A 2xx within this, or the attempt failed. */
  timeoutMs: number;
  /** Waits between attempts (contract §9.2). */
  retryScheduleMs: readonly number[];
  /** An endpoint whose every attempt failed for this long is disabled. */
  disableAfterMs: number;
  /** Deliveries in flight in this process, and to one endpoint from it. */
  concurrency: number;
  perEndpoint: number;
  /** How often to look for due deliveries (others' writes, retries coming due). */
  pollMs: number;
}

export interface DispatcherDeps {
  storage: Storage;
  sealer: Sealer | null;
  sender: WebhookSender;
  logger: Logger;
  metrics: DeliveryMetrics | null;
  now: () => Date;
  settings: DispatcherSettings;
  random?: () => number;
}

/** How many deliveries per in-flight slot of an endpoint one claim may take (they wait their turn here). */
const QUEUED_PER_SLOT = 2;

/**
 * Sends what the outbox holds. Every process runs one: it leases due deliveries (storage makes a
 * lease exclusive across replicas and gives expired ones out again, so a process killed mid-way
 * loses nothing), signs and POSTs each, and records the attempt with what follows — delivered,
 * tried again on the schedule, failed, or its endpoint disabled. At most `concurrency` deliveries
 * are in flight, `perEndpoint` of them to one endpoint: a slow or dead receiver holds its own
 * slots only, never an API answer or another endpoint's deliveries.
 */
export class Dispatcher {
  readonly #owner = newId('dispatcher', 12);
  readonly #inFlight = new Map<string, number>();
  readonly #running = new Set<Promise<void>>();
  /** Claimed deliveries waiting for a slot of their endpoint. */
  readonly #queues = new Map<string, ClaimedDelivery[]>();
  #queued = 0;
  #total = 0;
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  #again = false;
  #stopped = false;

  constructor(private readonly deps: DispatcherDeps) {}

  start(): void {
    this.#timer = setInterval(() => this.wake(), this.deps.settings.pollMs);
    this.#timer.unref();
    this.wake();
  }

  /** Look for due deliveries now (after a write that made some, or a slot freed). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    this.#ticking = true;
    void this.#tick()
      .catch((e: unknown) =>
        this.deps.logger.warn({ err: e }, 'webhook dispatcher: claiming deliveries failed'),
      )
      .finally(() => {
        this.#ticking = false;
        if (this.#again) {
          this.#again = false;
          this.wake();
        }
      });
  }

  /** Stops claiming, hands back what is queued, and waits for the deliveries in flight (each ends by its timeout). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    // Claimed but not started: handed back now rather than when their lease runs out.
    const waiting = [...this.#queues.values()].flat().map((c) => c.delivery.id);
    this.#queues.clear();
    this.#queued = 0;
    await Promise.allSettled([this.deps.storage.releaseDeliveries(waiting, this.#owner), ...this.#running]);
  }

  /**
   * Claims due deliveries for the free slots, at most `perEndpoint × QUEUED_PER_SLOT` at once, and
   * queues them by endpoint: an endpoint gets `perEndpoint` in flight, the rest of its claim wait
   * here (the lease covers their wait), so one claim feeds several deliveries.
   */
  async #tick(): Promise<void> {
    const { settings, storage } = this.deps;
    for (;;) {
      const free = settings.concurrency - this.#total - this.#queued;
      if (free <= 0 || this.#stopped) return;
      const limit = Math.min(free, settings.perEndpoint * QUEUED_PER_SLOT);
      const now = this.deps.now();
      // Endpoints with as much in flight and queued here as they may have in flight: not claimed for.
      const full = [...this.#inFlight.keys(), ...this.#queues.keys()].filter(
        (id) => (this.#inFlight.get(id) ?? 0) + (this.#queues.get(id)?.length ?? 0) >= settings.perEndpoint,
      );
      // The lease outlasts the wait of the last one queued (its turns of `timeoutMs`) and its own
      // attempt, with as long again (at least a second) to record it.
      const turns = Math.ceil(limit / settings.perEndpoint);
      const claimed = await storage.claimDeliveries({
        owner: this.#owner,
        now: now.toISOString(),
        lease_until: new Date(
          now.getTime() + settings.timeoutMs * (turns + 1) + Math.max(1_000, settings.timeoutMs),
        ).toISOString(),
        limit,
        skip_endpoints: [...new Set(full)],
      });
      for (const c of claimed) {
        const q = this.#queues.get(c.endpoint.id) ?? [];
        q.push(c);
        this.#queues.set(c.endpoint.id, q);
        this.#queued += 1;
      }
      for (const id of new Set(claimed.map((c) => c.endpoint.id))) this.#pump(id);
      if (claimed.length < limit) return;
    }
  }

  /** Starts queued deliveries of one endpoint while it has slots. */
  #pump(endpointId: string): void {
    const q = this.#queues.get(endpointId);
    while (q && q.length > 0 && (this.#inFlight.get(endpointId) ?? 0) < this.deps.settings.perEndpoint) {
      const c = q.shift() as ClaimedDelivery;
      this.#queued -= 1;
      this.#inFlight.set(endpointId, (this.#inFlight.get(endpointId) ?? 0) + 1);
      this.#total += 1;
      const run = this.#deliver(c).finally(() => {
        this.#running.delete(run);
        this.#total -= 1;
        const left = (this.#inFlight.get(endpointId) ?? 1) - 1;
        if (left === 0) this.#inFlight.delete(endpointId);
        else this.#inFlight.set(endpointId, left);
        this.#pump(endpointId);
        // Claim again once this endpoint's queue ran dry (the rest of its work is in storage), not after every delivery.
        if (!this.#queues.has(endpointId)) this.wake();
      });
      this.#running.add(run);
    }
    if (q && q.length === 0) this.#queues.delete(endpointId);
  }

  async #deliver({ delivery, event, endpoint }: ClaimedDelivery): Promise<void> {
    const { sealer, sender, logger, metrics } = this.deps;
    const started = this.deps.now();
    const t0 = performance.now();
    let result: SendResult;
    if (!sealer) {
      result = {
        status: null,
        retryAfterMs: undefined,
        error: 'no encryption.key to open the signing secret with',
      };
    } else {
      const body = payloadOf(event);
      let headers: Record<string, string>;
      try {
        headers = signatureHeaders(signingSecrets(sealer, endpoint, started), event.id, started, body);
      } catch (e) {
        headers = {};
        result = {
          status: null,
          retryAfterMs: undefined,
          error: e instanceof Error ? e.message : 'signing failed',
        };
      }
      result ??= await sender.post(endpoint.url, headers, body);
    }
    const durationMs = Math.round((performance.now() - t0) * 10) / 10;
    const record = this.#outcome(delivery.attempts + 1, result, started, durationMs, endpoint.id);
    const outcome =
      record.status === 'delivered'
        ? 'delivered'
        : record.status === 'failed'
          ? result.status === 410
            ? 'gone'
            : 'failed'
          : 'retry';
    metrics?.attempts.inc({ outcome });
    metrics?.duration.observe({ outcome }, durationMs / 1000);
    (record.status === 'delivered' ? logger.info : logger.warn).call(
      logger,
      {
        webhook_id: endpoint.id,
        delivery_id: delivery.id,
        event_id: event.id,
        event_type: event.type,
        attempt: delivery.attempts + 1,
        status: result.status,
        outcome,
        ...(result.error !== null ? { error: result.error } : {}),
        next_attempt_at: record.next_attempt_at,
        duration_ms: durationMs,
      },
      'webhook delivery',
    );
    try {
      if (!(await this.deps.storage.recordDeliveryAttempt(delivery.id, this.#owner, record))) {
        logger.warn(
          { delivery_id: delivery.id },
          'webhook delivery: lease lost before the attempt was recorded',
        );
      }
    } catch (e) {
      // Its lease runs out and the delivery is tried again: at least once, never lost.
      logger.warn(
        { err: e, delivery_id: delivery.id },
        'webhook delivery: the attempt could not be recorded',
      );
    }
  }

  /** What an attempt's result means for its delivery and endpoint. */
  #outcome(attempt: number, r: SendResult, at: Date, durationMs: number, endpointId: string): AttemptRecord {
    const { settings } = this.deps;
    const logged = { at: at.toISOString(), status_code: r.status, error: r.error, duration_ms: durationMs };
    if (r.status !== null && r.status >= 200 && r.status < 300) {
      return { attempt: logged, status: 'delivered', next_attempt_at: null, endpoint: { ok: true } };
    }
    const disabled: NewEvent = {
      id: newId('ev'),
      type: 'webhook.disabled',
      organization_id: '',
      connection_id: null,
      actor: 'gateway',
      changed: ['status'],
      request_id: null,
      at: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      data: { webhook_id: endpointId },
    };
    const gone = r.status === 410;
    const endpoint = {
      ok: false as const,
      gone,
      disable_if_failing_since: new Date(at.getTime() - settings.disableAfterMs).toISOString(),
      disabled,
    };
    const delay = gone
      ? null
      : retryDelay(attempt, settings.retryScheduleMs, r.retryAfterMs, this.deps.random);
    if (delay === null) return { attempt: logged, status: 'failed', next_attempt_at: null, endpoint };
    return {
      attempt: logged,
      status: 'pending',
      next_attempt_at: new Date(at.getTime() + delay).toISOString(),
      endpoint,
    };
  }
}
