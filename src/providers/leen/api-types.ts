import { z } from 'zod';
import { LeenVendorSchema } from './catalog.js';
import { LEEN_UUID } from './link.js';

/**
 * Leen's provisioning API in Leen's own spelling (docs/providers/leen.md). Two kinds of schema
 * live here:
 * - request bodies, as the simulator checks them (the top-level keys Leen documents; credentials
 *   and options are checked per vendor by catalog.ts, unknown keys inside them pass);
 * - responses, lenient (unknown fields dropped, optional where a revision lacked them), as the
 *   client reads them. List Connections and List Jobs are not in Leen's public docs, so their
 *   envelopes are read most leniently of all.
 */

export const LEEN_STATES = ['PENDING', 'ACTIVE', 'PAUSED', 'DELETED'] as const;
export type LeenState = (typeof LEEN_STATES)[number];
export const LeenStateSchema = z.enum(LEEN_STATES);

/* ---------------------------------------------------------------- responses (what Leen sends) */

export interface LeenHealthDetail {
  data_export_type: string;
  endpoint: string;
}

/** `ConnectionHealthStatus`. */
export interface LeenHealth {
  name: string;
  status: string;
  resolution_owner: string;
  description: string;
  details: LeenHealthDetail[] | null;
}

/** `ConnectionRespModel`, as the simulator produces it. */
export interface LeenConnection {
  id: string;
  vendor: string;
  is_active: boolean;
  refresh_interval_secs: number;
  timeout_secs: number;
  organization_id: string;
  state: LeenState;
  created_at: string;
  updated_at: string;
  health: LeenHealth;
  oauth2_authorize_url: string | null;
  identifier: string | null;
  /** Only on Get Connection by ID. */
  organization_name?: string;
}

/** `OrganizationRespModel` (id, name, identifier are documented; `created_at` is the simulator's). */
export interface LeenOrganization {
  id: string;
  name: string;
  identifier: string | null;
  created_at: string;
}

/** A sync job as the simulator serves it (Leen does not publish the job schema). */
export interface LeenJob {
  id: string;
  connection_id: string;
  status: string;
  data_export_type: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
}

/** `ConnectionTestRespModel`. */
export interface LeenTestResult {
  is_valid: boolean;
  message: string;
}

/** FastAPI's `HTTPValidationError` item (422). `input` echoes what was sent: never read it. */
export interface LeenValidationIssue {
  loc: Array<string | number>;
  msg: string;
  type: string;
  input?: unknown;
  ctx?: Record<string, unknown>;
}

/* Lenient response schemas, used by the client. */

export const LeenHealthIn = z.object({
  name: z.string().nullish(),
  status: z.string(),
  resolution_owner: z.string().nullish(),
  description: z.string().nullish(),
  details: z
    .array(z.object({ data_export_type: z.string().nullish(), endpoint: z.string().nullish() }))
    .nullish(),
});
export type LeenHealthIn = z.infer<typeof LeenHealthIn>;

export const LeenConnectionIn = z.object({
  /** `format: uuid` (docs/providers/leen.md §2): it becomes a segment of later paths, so nothing else is taken. */
  id: z.string().regex(LEEN_UUID),
  vendor: z.string(),
  state: z.string(),
  organization_id: z.string().nullish(),
  is_active: z.boolean().nullish(),
  refresh_interval_secs: z.number().nullish(),
  timeout_secs: z.number().nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
  health: LeenHealthIn.nullish(),
  oauth2_authorize_url: z.string().nullish(),
  identifier: z.string().nullish(),
  organization_name: z.string().nullish(),
});
export type LeenConnectionIn = z.infer<typeof LeenConnectionIn>;

const idText = z.union([z.string(), z.number()]).transform(String);

/** A job: only an id is needed; everything else is optional because nothing about it is documented. */
export const LeenJobIn = z.object({
  id: idText,
  status: z.string().nullish(),
  data_export_type: z.string().nullish(),
  started_at: z.string().nullish(),
  finished_at: z.string().nullish(),
  error: z.string().nullish(),
});
export type LeenJobIn = z.infer<typeof LeenJobIn>;

/** A page of a list: `{items, total}` as seen in client code, with `total` missing or null; or a bare array. */
export interface LeenPage<T> {
  items: T[];
  total: number | null;
}

export function leenPageIn<T extends z.ZodType>(item: T): z.ZodType<LeenPage<z.infer<T>>> {
  return z.union([
    z
      .object({ items: z.array(item), total: z.number().int().nonnegative().nullish() })
      .transform((p) => ({ items: p.items, total: p.total ?? null })),
    z.array(item).transform((items) => ({ items, total: null })),
  ]);
}

export const LeenTestResultIn = z.object({ is_valid: z.boolean(), message: z.unknown() });

/** Create Connection Invite Token's answer: `{token}` (required). */
export const LeenInviteTokenIn = z.object({ token: z.string().min(1) });
export type LeenInviteTokenIn = z.infer<typeof LeenInviteTokenIn>;

/** A 422 (`detail` items with `loc` and `msg`) or `{detail: string}`; anything else is left to the status code. */
export const LeenErrorIn = z.object({
  detail: z.union([
    z.string(),
    z.array(z.object({ loc: z.array(z.union([z.string(), z.number()])).catch([]), msg: z.unknown() })),
  ]),
});

/* ------------------------------------------------------------- requests (what Leen accepts) */

const object = z.record(z.string(), z.unknown());

/** Create Connection body: the four documented keys. `credentials` is not required for OAuth2 vendors. */
export const LeenCreateConnectionBody = z.strictObject({
  vendor: LeenVendorSchema,
  credentials: object.nullish(),
  identifier: z.string().nullish(),
  options: object.nullish(),
});
export type LeenCreateConnectionBody = z.infer<typeof LeenCreateConnectionBody>;

/** Update Connection body: every field optional and nullable; no `vendor`, no `options`. */
export const LeenUpdateConnectionBody = z.strictObject({
  credentials: object.nullish(),
  identifier: z.string().nullish(),
  state: LeenStateSchema.nullish(),
});
export type LeenUpdateConnectionBody = z.infer<typeof LeenUpdateConnectionBody>;

/**
 * Create Connection Invite Token body, as the client sends it (every field optional and nullable in
 * Leen's reference; the simulator's check is `InviteTokenBody` in simulator/bodies.ts). `vendor`
 * makes a create token, `connection_id` an update token; `expiry_secs` defaults to 1800 at Leen.
 */
export interface LeenInviteTokenBody {
  vendor?: string | null;
  connection_id?: string | null;
  identifier?: string | null;
  options?: Record<string, unknown> | null;
  expiry_secs?: number | null;
}

/** Create Organization body (the page is not public; `name` as the quick start implies). */
export const LeenCreateOrganizationBody = z.object({
  name: z.string().min(1),
  identifier: z.string().nullish(),
});
export type LeenCreateOrganizationBody = z.infer<typeof LeenCreateOrganizationBody>;
