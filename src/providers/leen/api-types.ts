import { z } from 'zod';
import { LEEN_VENDORS, LeenVendorSchema } from './fixtures.js';

/**
 * Leen's provisioning API in Leen's own spelling (leen.md §4–§6, plus the decisions recorded in
 * the provider brief where the docs are silent). Two kinds of schema live here:
 * - request bodies, strict, as the simulator validates them;
 * - responses, lenient (unknown fields dropped, optional where older revisions lacked them), as
 *   the client checks them.
 */

export const LEEN_STATES = ['PENDING', 'ACTIVE', 'PAUSED', 'DELETED'] as const;
export type LeenState = (typeof LEEN_STATES)[number];
export const LeenStateSchema = z.enum(LEEN_STATES);

export const LEEN_JOB_STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;
export type LeenJobStatus = (typeof LEEN_JOB_STATUSES)[number];

export { LEEN_VENDORS };

/* ---------------------------------------------------------------- responses (what Leen sends) */

export interface LeenHealthDetail {
  data_export_type: string;
  endpoint: string;
}

/** `ConnectionHealthStatus` (leen.md §5.8). */
export interface LeenHealth {
  name: string;
  status: string;
  resolution_owner: string;
  description: string;
  details: LeenHealthDetail[] | null;
}

/** `ConnectionRespModel` (leen.md §5.1), as the simulator produces it. */
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

/** `OrganizationRespModel` (leen.md §4.3; `created_at` is ours). */
export interface LeenOrganization {
  id: string;
  name: string;
  identifier: string | null;
  created_at: string;
}

export interface LeenJob {
  id: string;
  connection_id: string;
  status: LeenJobStatus;
  data_export_type: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
}

export interface LeenList<T> {
  items: T[];
  total: number;
}

/** `ConnectionTestRespModel`. */
export interface LeenTestResult {
  is_valid: boolean;
  message: string;
}

/** FastAPI's `HTTPValidationError` (422). */
export interface LeenValidationIssue {
  loc: Array<string | number>;
  msg: string;
  type: string;
  input?: unknown;
  ctx?: Record<string, unknown>;
}
export interface LeenValidationError {
  detail: LeenValidationIssue[];
}

/** Every other error (401, 404): `{ "detail": "..." }`. */
export interface LeenErrorBody {
  detail: string;
}

/* Lenient response schemas, used by the client. */

export const LeenHealthIn = z.object({
  name: z.string().nullish(),
  status: z.string(),
  resolution_owner: z.string().nullish(),
  description: z.string().nullish(),
  details: z.array(z.object({ data_export_type: z.string().nullish(), endpoint: z.string().nullish() })).nullish(),
});
export type LeenHealthIn = z.infer<typeof LeenHealthIn>;

export const LeenConnectionIn = z.object({
  id: z.string(),
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

export const LeenJobIn = z.object({
  id: z.string(),
  connection_id: z.string().nullish(),
  status: z.string(),
  data_export_type: z.string().nullish(),
  started_at: z.string().nullish(),
  finished_at: z.string().nullish(),
  error: z.string().nullish(),
});
export type LeenJobIn = z.infer<typeof LeenJobIn>;

export function leenListIn<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), total: z.number().int().nonnegative() });
}

export const LeenTestResultIn = z.object({ is_valid: z.boolean(), message: z.unknown() });

/** A 422 or `{detail: string}` error body; anything else is left to the status code. */
export const LeenErrorIn = z.object({
  detail: z.union([
    z.string(),
    z.array(z.object({ loc: z.array(z.union([z.string(), z.number()])).catch([]), msg: z.unknown() })),
  ]),
});

/* ------------------------------------------------------------- requests (what Leen accepts) */

export const LeenOAuth2RedirectUrls = z.strictObject({ success: z.url(), error: z.url() });

/** `options` of Create Connection: only OAuth2 redirect overrides (leen.md §5.2). */
export const LeenConnectionOptions = z.strictObject({ oauth2_redirect_urls: LeenOAuth2RedirectUrls.nullish() });

/**
 * Create Connection body. `credentials` is checked here only as an object; its per-vendor shape
 * is checked against `credentialFamily(vendor)` (fixtures.ts) by whoever holds the vendor.
 */
export const LeenCreateConnectionBody = z.strictObject({
  vendor: LeenVendorSchema,
  credentials: z.record(z.string(), z.unknown()),
  identifier: z.string().nullish(),
  options: LeenConnectionOptions.nullish(),
});
export type LeenCreateConnectionBody = z.infer<typeof LeenCreateConnectionBody>;

/** Update Connection body: every field optional and nullable (leen.md §5.4). */
export const LeenUpdateConnectionBody = z.strictObject({
  credentials: z.record(z.string(), z.unknown()).nullish(),
  identifier: z.string().nullish(),
  state: LeenStateSchema.nullish(),
});
export type LeenUpdateConnectionBody = z.infer<typeof LeenUpdateConnectionBody>;

/** Create Organization body (ours; the page was not retrievable). */
export const LeenCreateOrganizationBody = z.strictObject({
  name: z.string().min(1),
  identifier: z.string().nullish(),
});
export type LeenCreateOrganizationBody = z.infer<typeof LeenCreateOrganizationBody>;
