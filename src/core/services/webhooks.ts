import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Caller } from '../caller.js';
import type { Sealer } from '../crypto.js';
import { GatewayError, validationError } from '../errors.js';
import { newId } from '../ids.js';
import type {
  Storage,
  DeliveryRow,
  DeliveryStatus,
  NewEvent,
  SealedSecret,
  WebhookEndpointRow,
} from '../storage.js';
import { StoredName } from '../validation.js';
import { timestamp, type RequestContext, type ServiceDeps } from './context.js';
import { auditEvent } from './events.js';
import { OrgId } from './organizations.js';

/**
 * Webhook endpoints (contract §9.1): where events are delivered, which ones, and for which
 * organizations, with a `whsec_` signing secret shown once and stored sealed. A key manages only
 * endpoints whose organizations are all within its own; `["*"]` (every organization and the
 * gateway's own events) is for the admin and keys of every organization. Deliveries are made by
 * the dispatcher (src/events/); here are their log and the retry of one.
 */

/** Checks a receiver URL (scheme, user-info, the addresses its host resolves to); the problem, or null. */
export interface WebhookUrlPolicy {
  check(url: string): Promise<string | null>;
}

export interface WebhookSettings {
  /** How long a rotated-out secret keeps signing beside the new one. */
  rotationOverlapMs: number;
}

/** An event type pattern: a type (`connection.created`), `*`, or a prefix ending in `*` (`connection.*`). */
const EventPattern = z
  .string()
  .regex(
    /^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*|\*)?)$/,
    'an event type, `*`, or a prefix ending in `*` (e.g. `connection.*`)',
  );

const Url = z.string().min(1).max(2048).describe('The receiver (`https://`; see the URL rules).');
const Events = z
  .array(EventPattern)
  .min(1)
  .max(100)
  .refine((e) => new Set(e).size === e.length, 'each pattern once')
  .describe('Event types to deliver: exact, `*` for all, or a prefix ending in `*`.');
const Organizations = z
  .array(z.union([z.literal('*'), OrgId]))
  .min(1)
  .max(1000)
  .refine((ids) => !ids.includes('*') || ids.length === 1, '"*" (every organization) stands alone')
  .refine((ids) => new Set(ids).size === ids.length, 'each organization once')
  .describe('The organizations whose events it receives, or `["*"]` for all (and the gateway\'s own).');
const Description = StoredName.max(500).nullable();

export const CreateWebhookBody = z
  .strictObject({
    url: Url,
    events: Events.default(['*']),
    organization_ids: Organizations,
    description: Description.optional(),
  })
  .meta({ id: 'CreateWebhook' });
export type CreateWebhookInput = z.output<typeof CreateWebhookBody>;

export const PatchWebhookBody = z
  .strictObject({
    url: Url.optional(),
    events: Events.optional(),
    organization_ids: Organizations.optional(),
    description: Description.optional(),
    status: z
      .enum(['enabled', 'disabled'])
      .optional()
      .describe('`enabled` again also resets its failure count.'),
  })
  .meta({ id: 'PatchWebhook' });
export type PatchWebhookInput = z.output<typeof PatchWebhookBody>;

/** An endpoint as the API shows it: its row without the secrets and the failing spell. */
export type Webhook = Omit<
  WebhookEndpointRow,
  'secret' | 'previous_secret' | 'previous_expires_at' | 'failing_since'
>;

export interface Delivery {
  id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  last_attempt: { at: string; status_code: number | null; error: string | null; duration_ms: number } | null;
  next_attempt_at: string | null;
  created_at: string;
  delivered_at: string | null;
}

const toWebhook = (r: WebhookEndpointRow): Webhook => ({
  id: r.id,
  url: r.url,
  events: r.events,
  organization_ids: r.organization_ids,
  description: r.description,
  status: r.status,
  disabled_reason: r.disabled_reason,
  created_at: r.created_at,
  updated_at: r.updated_at,
});

const toDelivery = (d: DeliveryRow): Delivery => ({
  id: d.id,
  event_id: d.event_id,
  event_type: d.event_type,
  status: d.status,
  attempts: d.attempts,
  last_attempt: d.last_attempt,
  next_attempt_at: d.next_attempt_at,
  created_at: d.created_at,
  delivered_at: d.delivered_at,
});

/** A fresh signing secret: `whsec_` and 32 random bytes, base64 (Standard Webhooks). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

const sealContext = (endpointId: string) => ({
  organizationId: '',
  connectionId: endpointId,
  purpose: 'webhook_secret' as const,
});

/** The secrets a delivery is signed with now: the current one, and the previous one while its overlap lasts. */
export function signingSecrets(sealer: Sealer, e: WebhookEndpointRow, now: Date): string[] {
  const open = (s: SealedSecret) =>
    sealer.open({ keyId: s.key_id, nonce: s.nonce, ciphertext: s.ciphertext }, sealContext(e.id)) as string;
  const out = [open(e.secret)];
  if (
    e.previous_secret &&
    e.previous_expires_at !== null &&
    Date.parse(e.previous_expires_at) > now.getTime()
  ) {
    out.push(open(e.previous_secret));
  }
  return out;
}

export interface WebhookSecretRotation {
  /** Endpoints whose secrets were re-sealed under the current key (with `dryRun`: would be). */
  resealed: number;
  /** Endpoints a write changed between this pass's read and its update (left as written). */
  changedMeanwhile: number;
  /** Endpoints whose secrets cannot be opened: ids and key ids, never a value. */
  unopenable: string[];
}

/**
 * Key rotation of webhook signing secrets, as `npm run rotate-key` does for credentials: every
 * endpoint whose secret (or previous one, while it still signs) is sealed under another key is
 * re-sealed under the current key, by compare-and-swap; an expired previous secret is dropped.
 */
export async function rotateWebhookSecrets(
  storage: Storage,
  sealer: Sealer,
  now: Date,
  dryRun: boolean,
): Promise<WebhookSecretRotation> {
  const out: WebhookSecretRotation = { resealed: 0, changedMeanwhile: 0, unopenable: [] };
  const reseal = (e: WebhookEndpointRow, s: SealedSecret): SealedSecret => {
    const value = sealer.open(
      { keyId: s.key_id, nonce: s.nonce, ciphertext: s.ciphertext },
      sealContext(e.id),
    );
    const next = sealer.seal(value, sealContext(e.id));
    return { key_id: next.keyId, nonce: next.nonce, ciphertext: next.ciphertext };
  };
  for (let after: string | null = null; ; ) {
    const page = await storage.listWebhookEndpoints(after, 100);
    for (const e of page) {
      const previousLives =
        e.previous_secret !== null &&
        e.previous_expires_at !== null &&
        Date.parse(e.previous_expires_at) > now.getTime();
      const stale = (s: SealedSecret | null) => s !== null && s.key_id !== sealer.currentKeyId;
      if (!stale(e.secret) && !(previousLives && stale(e.previous_secret))) continue;
      let secret: SealedSecret;
      let previous: SealedSecret | null;
      try {
        secret = stale(e.secret) ? reseal(e, e.secret) : e.secret;
        previous =
          previousLives && e.previous_secret
            ? stale(e.previous_secret)
              ? reseal(e, e.previous_secret)
              : e.previous_secret
            : null;
      } catch {
        out.unopenable.push(
          `webhook ${e.id} (key id ${stale(e.secret) ? e.secret.key_id : (e.previous_secret?.key_id ?? '')}): its signing secret cannot be opened; rotate it (POST /v1/webhooks/${e.id}/rotate-secret) or add that key to encryption.previousKeys.`,
        );
        continue;
      }
      if (dryRun) out.resealed += 1;
      else if (await storage.resealWebhookSecrets(e.id, e.secret.nonce, secret, previous)) out.resealed += 1;
      else out.changedMeanwhile += 1;
    }
    if (page.length < 100) return out;
    after = page.at(-1)?.id ?? null;
  }
}

/** Whether `caller` may see and manage an endpoint for these organizations. */
function mayManage(caller: Caller, organizations: readonly string[]): boolean {
  if (caller.organizations === '*') return true;
  const own = caller.organizations;
  return !organizations.includes('*') && organizations.every((o) => own.includes(o));
}

export class WebhookService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly urls: WebhookUrlPolicy,
    private readonly settings: WebhookSettings,
  ) {}

  async create(ctx: RequestContext, input: CreateWebhookInput): Promise<Webhook & { secret: string }> {
    this.#requireScope(ctx.caller, input.organization_ids);
    await this.#checkUrl(input.url);
    const secret = newWebhookSecret();
    const id = newId('wh');
    const at = timestamp(this.deps);
    const row: WebhookEndpointRow = {
      id,
      url: input.url,
      events: input.events,
      organization_ids: input.organization_ids,
      description: input.description ?? null,
      status: 'enabled',
      disabled_reason: null,
      secret: this.#seal(id, secret),
      previous_secret: null,
      previous_expires_at: null,
      failing_since: null,
      created_at: at,
      updated_at: at,
    };
    await this.deps.storage.insertWebhookEndpoint(row);
    return { ...toWebhook(row), secret };
  }

  async list(
    ctx: RequestContext,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<{ data: Webhook[]; next_cursor: string | null }> {
    let after =
      page.cursor !== undefined
        ? this.deps.cursors.decode<{ after: string }>('webhooks', page.cursor).after
        : null;
    const data: Webhook[] = [];
    // Endpoints outside the caller's organizations are passed over, so a page may take several reads.
    for (;;) {
      const rows = await this.deps.storage.listWebhookEndpoints(after, page.limit + 1);
      for (const r of rows) {
        if (data.length === page.limit)
          return { data, next_cursor: this.deps.cursors.encode('webhooks', { after }) };
        after = r.id;
        if (mayManage(ctx.caller, r.organization_ids)) data.push(toWebhook(r));
      }
      if (rows.length <= page.limit) return { data, next_cursor: null };
    }
  }

  async get(ctx: RequestContext, id: string): Promise<Webhook> {
    return toWebhook(await this.#require(ctx, id));
  }

  async patch(ctx: RequestContext, id: string, change: PatchWebhookInput): Promise<Webhook> {
    const current = await this.#require(ctx, id);
    if (change.organization_ids !== undefined) this.#requireScope(ctx.caller, change.organization_ids);
    if (change.url !== undefined && change.url !== current.url) await this.#checkUrl(change.url);
    const enabling = change.status === 'enabled' && current.status !== 'enabled';
    const disabling = change.status === 'disabled' && current.status !== 'disabled';
    const next: WebhookEndpointRow = {
      ...current,
      ...(change.url !== undefined ? { url: change.url } : {}),
      ...(change.events !== undefined ? { events: change.events } : {}),
      ...(change.organization_ids !== undefined ? { organization_ids: change.organization_ids } : {}),
      ...(change.description !== undefined ? { description: change.description } : {}),
      ...(enabling ? { status: 'enabled' as const, disabled_reason: null, failing_since: null } : {}),
      ...(disabling ? { status: 'disabled' as const, disabled_reason: 'caller' } : {}),
      updated_at: timestamp(this.deps),
    };
    if (!(await this.deps.storage.updateWebhookEndpoint(next))) throw this.#notFound(id);
    return toWebhook(next);
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    await this.#require(ctx, id);
    if (!(await this.deps.storage.deleteWebhookEndpoint(id))) throw this.#notFound(id);
  }

  async rotateSecret(
    ctx: RequestContext,
    id: string,
  ): Promise<{ secret: string; previous_expires_at: string }> {
    const current = await this.#require(ctx, id);
    const secret = newWebhookSecret();
    const previousExpiresAt = new Date(
      this.deps.now().getTime() + this.settings.rotationOverlapMs,
    ).toISOString();
    const next: WebhookEndpointRow = {
      ...current,
      secret: this.#seal(id, secret),
      previous_secret: current.secret,
      previous_expires_at: previousExpiresAt,
      updated_at: timestamp(this.deps),
    };
    if (!(await this.deps.storage.updateWebhookEndpoint(next))) throw this.#notFound(id);
    return { secret, previous_expires_at: previousExpiresAt };
  }

  /** A `webhook.test` event to this endpoint alone; the id of its delivery. */
  async test(ctx: RequestContext, id: string): Promise<{ delivery_id: string }> {
    const endpoint = await this.#require(ctx, id);
    this.#requireEnabled(endpoint);
    const deliveryId = newId('dl');
    const event: NewEvent = {
      ...auditEvent(ctx, 'webhook.test', '', null, [], timestamp(this.deps)),
      data: { webhook_id: id },
      deliver_to: { endpoint_id: id, delivery_id: deliveryId },
    };
    await this.deps.storage.recordEvents([event]);
    return { delivery_id: deliveryId };
  }

  async deliveries(
    ctx: RequestContext,
    id: string,
    q: {
      status?: DeliveryStatus | undefined;
      event_type?: string | undefined;
      limit: number;
      cursor?: string | undefined;
    },
  ): Promise<{ data: Delivery[]; next_cursor: string | null }> {
    await this.#require(ctx, id);
    const scope = `deliveries:${id}`;
    const before =
      q.cursor !== undefined
        ? this.deps.cursors.decode<{ created_at: string; id: string }>(scope, q.cursor)
        : undefined;
    const rows = await this.deps.storage.listDeliveries(
      id,
      { status: q.status, event_type: q.event_type, before },
      q.limit + 1,
    );
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return {
      data: page.map(toDelivery),
      next_cursor:
        rows.length > q.limit && last
          ? this.deps.cursors.encode(scope, { created_at: last.created_at, id: last.id })
          : null,
    };
  }

  /** One more attempt of a delivery now (same `webhook-id`), whatever its status. */
  async retry(ctx: RequestContext, id: string, deliveryId: string): Promise<void> {
    const endpoint = await this.#require(ctx, id);
    this.#requireEnabled(endpoint);
    if (!(await this.deps.storage.retryDelivery(id, deliveryId, new Date(this.deps.now()).toISOString()))) {
      throw new GatewayError(
        'not_found',
        `No delivery ${JSON.stringify(deliveryId)} of webhook ${JSON.stringify(id)}.`,
      );
    }
  }

  async #require(ctx: RequestContext, id: string): Promise<WebhookEndpointRow> {
    const row = await this.deps.storage.getWebhookEndpoint(id);
    // Another tenant's endpoint is not found, exactly as one that does not exist.
    if (!row || !mayManage(ctx.caller, row.organization_ids)) throw this.#notFound(id);
    return row;
  }

  #notFound(id: string): GatewayError {
    return new GatewayError('not_found', `No webhook ${JSON.stringify(id)}.`);
  }

  #requireScope(caller: Caller, organizations: readonly string[]): void {
    if (mayManage(caller, organizations)) return;
    throw validationError([
      {
        pointer: '/organization_ids',
        message: organizations.includes('*')
          ? '"*" is for the admin key and keys of every organization'
          : "only organizations within this key's own",
      },
    ]);
  }

  #requireEnabled(e: WebhookEndpointRow): void {
    if (e.status !== 'enabled') {
      throw new GatewayError(
        'conflict',
        `Webhook ${e.id} is disabled (${e.disabled_reason ?? 'caller'}); enable it first.`,
      );
    }
  }

  async #checkUrl(url: string): Promise<void> {
    const problem = await this.urls.check(url);
    if (problem !== null) throw validationError([{ pointer: '/url', message: problem }]);
  }

  #seal(id: string, secret: string): SealedSecret {
    const sealer = this.deps.sealer;
    if (!sealer) {
      throw new GatewayError(
        'unsupported_operation',
        'Webhooks need encryption.key (GATEWAY_ENCRYPTION_KEY): their signing secrets are stored sealed.',
      );
    }
    const s = sealer.seal(secret, sealContext(id));
    return { key_id: s.keyId, nonce: s.nonce, ciphertext: s.ciphertext };
  }
}
