import { z } from 'zod';
import type { SimContext } from '../../../simulator/server.js';
import { check, integerText, queryOf } from '../../../simulator/validation.js';
import type { LeenValidationIssue } from '../api-types.js';
import {
  DOCUMENTED_CREDENTIALS,
  isOAuth2Vendor,
  LeenOptionsSchema,
  LeenVendorSchema,
  type LeenVendor,
} from '../catalog.js';
import { credentialIssues, fastApiIssues } from './errors.js';

/**
 * What the simulated provisioning API accepts, as zod schemas: path ids (UUIDs), paging queries,
 * JSON bodies (their schemas are Leen's, in api-types.ts), credentials and options per vendor.
 * Problems come back as FastAPI `detail` items, so a route can answer all of them in one 422.
 */

export type Parsed<T> = { data: T } | { issues: LeenValidationIssue[] };

/** A UUID as Python's `UUID()` reads it: hex, hyphens optional. */
const uuid = z.stringFormat('uuid', /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i);

export const OrganizationPath = z.object({ organization_id: uuid });
export const ConnectionPath = z.object({ organization_id: uuid, connection_id: uuid });

/** Problems with the path's ids (`org` and `id` parameters, named as Leen's OpenAPI names them). */
export function pathIssues(
  c: SimContext,
  schema: typeof OrganizationPath | typeof ConnectionPath,
): LeenValidationIssue[] {
  const params: Record<string, string> = { organization_id: c.req.param('org') ?? '' };
  if ('connection_id' in schema.shape) params['connection_id'] = c.req.param('id') ?? '';
  const checked = check(schema, params);
  return checked.ok ? [] : fastApiIssues(['path'], params, checked.issues);
}

const PageQuery = z.object({
  limit: z.string().trim().pipe(integerText(1, 100)).default(50),
  offset: z.string().trim().pipe(integerText(0, Number.MAX_SAFE_INTEGER)).default(0),
});
export type Page = z.output<typeof PageQuery>;

/** `?limit=&offset=` of a list (50 and 0 when absent), and the problems with them. */
export function pageOf(c: SimContext): { page: Page; issues: LeenValidationIssue[] } {
  const query = queryOf(c, PageQuery);
  const checked = check(PageQuery, query);
  return checked.ok
    ? { page: checked.value, issues: [] }
    : { page: { limit: 50, offset: 0 }, issues: fastApiIssues(['query'], query, checked.issues) };
}

/** The JSON request body checked against `schema`, or FastAPI's problems with it. */
export async function bodyOf<S extends z.ZodType>(c: SimContext, schema: S): Promise<Parsed<z.output<S>>> {
  const text = await c.req.text();
  if (text.trim() === '')
    return { issues: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return {
      issues: [
        {
          type: 'json_invalid',
          loc: ['body', 0],
          msg: 'JSON decode error',
          input: {},
          ctx: { error: e instanceof Error ? e.message : 'invalid' },
        },
      ],
    };
  }
  return parsedBody(schema, raw);
}

/** A body already parsed (JSON, or built from a form) checked against `schema`, or FastAPI's problems with it. */
export function parsedBody<S extends z.ZodType>(schema: S, raw: unknown): Parsed<z.output<S>> {
  const checked = check(schema, raw);
  return checked.ok ? { data: checked.value } : { issues: fastApiIssues(['body'], raw, checked.issues) };
}

/** A UUID in the form Python's `str(UUID(…))` gives it: lower case, hyphenated (`uuid` already checked it). */
export function canonicalUuid(value: string): string {
  const hex = value.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * `expiry_secs`: an integer as pydantic reads one in lax mode (a JSON number without a fraction, or
 * a string of digits), or null. Leen documents no minimum or maximum: none is checked (zero or less
 * makes a token that has already expired); values past what a date can hold are clamped.
 */
const expirySecs = z.preprocess((value) => {
  const v = typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value) ? Number(value.trim()) : value;
  return typeof v === 'number' && Number.isInteger(v)
    ? Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, v))
    : v;
}, z.int().nullish());

/**
 * Create Connection Invite Token body, as Leen's reference lists it: every field optional and
 * nullable. Unknown keys are ignored (FastAPI's default; Leen does not say otherwise), and so is the
 * `use_pool` query one revision shows. Neither `vendor` nor `connection_id`, or both, is not refused
 * either: Leen does not say what those mean (what the simulator makes of them: tokens.ts).
 */
export const InviteTokenBody = z.object({
  vendor: LeenVendorSchema.nullish(),
  connection_id: uuid.nullish(),
  identifier: z.string().nullish(),
  options: z.record(z.string(), z.unknown()).nullish(),
  expiry_secs: expirySecs,
});
export type InviteTokenBody = z.output<typeof InviteTokenBody>;

/** Problems with a vendor's `credentials` (`body` is what a missing one is reported in). */
export function credentialsIssues(
  vendor: LeenVendor,
  body: Record<string, unknown>,
  credentials: Record<string, unknown> | null | undefined,
): LeenValidationIssue[] {
  if (credentials === null || credentials === undefined) {
    // Required in the newest Create Connection revision; the guide says OAuth2 vendors need none.
    return isOAuth2Vendor(vendor)
      ? []
      : [{ type: 'missing', loc: ['body', 'credentials'], msg: 'Field required', input: body }];
  }
  const documented = DOCUMENTED_CREDENTIALS[vendor];
  if (!documented) return [];
  const checked = check(documented.schema, credentials);
  return checked.ok ? [] : credentialIssues(['body', 'credentials'], credentials, checked.issues);
}

/** Problems with the documented `options` keys (other keys pass). */
export function optionsIssues(options: unknown): LeenValidationIssue[] {
  if (options === null || options === undefined) return [];
  const checked = check(LeenOptionsSchema, options);
  return checked.ok ? [] : fastApiIssues(['body', 'options'], options, checked.issues);
}
