import { SCOPES } from '../../core/caller.js';
import { z } from 'zod';
import { Connection as ConnectionSchema, CONNECTION_STATUSES } from '../../core/connection.js';
import { ERROR_STATUS } from '../../core/errors.js';

/**
 * The schemas of the wire model, named as components of the OpenAPI document (`meta({ id })`).
 * Routes declare their requests and responses with these; `/openapi.json` is generated from them.
 */

export const Problem = z
  .object({
    type: z.string().describe('A URI naming the problem type'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(
      Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...Array<keyof typeof ERROR_STATUS>],
    ),
    request_id: z.string().nullable(),
    errors: z
      .array(
        z.object({
          pointer: z.string().describe('RFC 6901 JSON pointer into the request'),
          message: z.string(),
        }),
      )
      .optional(),
    provider: z.string().optional(),
    upstream_status: z.number().int().optional(),
  })
  .meta({ id: 'Problem', description: 'An error (RFC 9457 problem details). Never holds a secret.' });

export const Connection = ConnectionSchema.meta({
  id: 'Connection',
  description: 'A connection in the canonical model (contract §4).',
});

export const nextCursor = z
  .string()
  .nullable()
  .describe('Pass as `cursor` for the next page; null at the end.');

export const ConnectionList = z
  .object({
    data: z.array(Connection),
    next_cursor: nextCursor,
    incomplete: z
      .literal(true)
      .optional()
      .describe('Present when a provider failed; its items are missing from this page.'),
    errors: z.array(z.object({ provider: z.string(), code: z.string(), detail: z.string() })).optional(),
  })
  .meta({ id: 'ConnectionList' });

export const Organization = z
  .object({
    id: z.string(),
    name: z.string(),
    links: z.record(z.string(), z.string()).describe('Provider id → the organization id at that provider.'),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Organization' });

export const OrganizationList = z
  .object({ data: z.array(Organization), next_cursor: nextCursor })
  .meta({ id: 'OrganizationList' });

export const Event = z
  .object({
    id: z.string(),
    type: z
      .string()
      .describe(
        'What happened: connection.created, connection.updated, connection.deleted, connection.discovered, connection.removed_upstream, connection.health_changed, connection.status_changed, connection.changed_upstream, organization.created, organization.updated, organization.deleted, api_key.created, api_key.revoked, webhook.test, webhook.disabled; open-ended, more may come.',
      ),
    organization_id: z.string().describe('`""` for an event of the gateway itself (API keys).'),
    connection_id: z.string().nullable().describe('null for an event of the organization itself.'),
    api_key_id: z.string().optional().describe('The API key an `api_key.*` event is about.'),
    actor: z.string(),
    changed: z.array(z.string()).describe('Names of the fields a change touched; never a value.'),
    request_id: z.string().nullable(),
    at: z.string(),
    previous: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('`connection.health_changed` / `status_changed`: the value before.'),
    current: z.record(z.string(), z.unknown()).optional().describe('… and after.'),
    webhook_id: z.string().optional().describe('`webhook.*`: the endpoint it is about.'),
    reason: z.string().optional().describe('`webhook.disabled`: `gone` or `failing`.'),
  })
  .catchall(z.unknown())
  .meta({ id: 'Event' });

export const EventList = z
  .object({ data: z.array(Event), next_cursor: nextCursor })
  .meta({ id: 'EventList' });

export const Job = z
  .object({
    id: z.string(),
    status: z.string(),
    type: z.string().nullable(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    detail: z.string().nullable(),
  })
  .meta({ id: 'Job' });

export const JobList = z.object({ data: z.array(Job), next_cursor: nextCursor }).meta({ id: 'JobList' });

export const TestResult = z
  .object({ ok: z.boolean(), detail: z.string().nullable() })
  .meta({ id: 'TestResult' });

export const Capabilities = z
  .object({
    update_model: z.enum(['patch', 'replace']),
    writable_name: z.boolean(),
    nullable_name: z.boolean(),
    writable_status: z.array(z.enum(CONNECTION_STATUSES)),
    writable_settings: z.array(z.string()),
    unsupported_settings: z.array(z.string()),
    supports_credentials: z.boolean(),
    supports_test: z.boolean(),
    supports_jobs: z.boolean(),
  })
  .meta({ id: 'Capabilities' });

export const ProviderList = z
  .object({
    data: z.array(
      z.object({
        id: z.string(),
        type: z.string(),
        capabilities: Capabilities,
        link_format: z
          .string()
          .describe(
            "What an organization's link to this provider (its organization id there) must look like.",
          ),
        state: z.object({ circuit: z.enum(['closed', 'open', 'half_open']) }),
        monitor: z
          .object({
            last_pass_at: z.string().nullable(),
            last_pass_ms: z.number().nullable(),
            next_pass_at: z.string().nullable(),
            last_error: z
              .string()
              .nullable()
              .describe('Why its last pass failed (then no connection was judged gone), or null.'),
          })
          .describe(
            'The connection monitor: its last pass over this provider entry (all replicas share it).',
          ),
      }),
    ),
  })
  .meta({ id: 'ProviderList' });

export const ApiKey = z
  .object({
    id: z.string().describe('`key_…`'),
    name: z.string(),
    organization_ids: z.array(z.string()).describe('The organizations the key may see, or `["*"]`.'),
    scopes: z.array(z.enum(SCOPES)),
    created_at: z.string(),
  })
  .meta({ id: 'ApiKey' });

export const CreatedApiKey = ApiKey.extend({
  key: z.string().describe('The key (`pbk_…`): shown this once, stored only as a hash.'),
}).meta({ id: 'CreatedApiKey' });

export const ApiKeyList = z
  .object({ data: z.array(ApiKey), next_cursor: nextCursor })
  .meta({ id: 'ApiKeyList' });

export const HealthStatus = z
  .object({ status: z.enum(['ok', 'ready', 'unavailable']) })
  .meta({ id: 'HealthStatus' });

export const Webhook = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()).describe('Event type patterns: exact, `*`, or a prefix ending in `*`.'),
    organization_ids: z.array(z.string()).describe('Organizations whose events it receives, or `["*"]`.'),
    description: z.string().nullable(),
    status: z.enum(['enabled', 'disabled']),
    disabled_reason: z
      .string()
      .nullable()
      .describe(
        'Why it is disabled: `gone` (the receiver answered 410), `failing` (every attempt failed for too long), `caller`.',
      ),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Webhook' });

export const CreatedWebhook = Webhook.extend({
  secret: z.string().describe('`whsec_…`: verify deliveries with it. Shown this once.'),
}).meta({ id: 'CreatedWebhook' });

export const WebhookList = z
  .object({ data: z.array(Webhook), next_cursor: nextCursor })
  .meta({ id: 'WebhookList' });

export const RotatedSecret = z
  .object({
    secret: z.string().describe('The new `whsec_…` secret, shown this once.'),
    previous_expires_at: z.string().describe('Until then every delivery is signed with both secrets.'),
  })
  .meta({ id: 'RotatedSecret' });

export const DeliveryId = z.object({ delivery_id: z.string() }).meta({ id: 'DeliveryId' });

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'dropped'] as const;

export const Delivery = z
  .object({
    id: z.string(),
    event_id: z.string().describe('Also the `webhook-id` header of every attempt.'),
    event_type: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    last_attempt: z
      .object({
        at: z.string(),
        status_code: z.number().int().nullable(),
        error: z.string().nullable(),
        duration_ms: z.number(),
      })
      .nullable(),
    next_attempt_at: z.string().nullable(),
    created_at: z.string(),
    delivered_at: z.string().nullable(),
  })
  .meta({ id: 'Delivery' });

export const DeliveryList = z
  .object({ data: z.array(Delivery), next_cursor: nextCursor })
  .meta({ id: 'DeliveryList' });
