import { z } from 'zod';
import { decodeCursor } from '../../../simulator/paging.js';
import type { SimContext } from '../../../simulator/server.js';
import { check, integerText, queryOf } from '../../../simulator/validation.js';
import { ORGANIZATION_ACCESS_LEVELS } from '../api-types.js';
import { apiError, invalidInput } from './errors.js';

/**
 * What the simulated Management API accepts: request bodies (JSON or form-encoded,
 * docs/providers/auth0.md §3), queries and path parameters as zod schemas after Auth0's published
 * request schemas, read and checked here; problems are answered in Auth0's words (errors.ts).
 */

const NO_NUL = /^[^\0]*$/;
const ORGANIZATION_NAME = /^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$/;
const CONNECTION_NAME = /^[a-zA-Z0-9](?:-[a-zA-Z0-9]|[a-zA-Z0-9])*$/;

/** Any JSON object (Auth0's `type: object`, no properties named). */
const anyObject = z.looseObject({});
const anyArray = z.array(z.unknown());

/** The fields both families' bodies have: three booleans, never null. */
const SHARED_FIELDS = {
  assign_membership_on_login: z.boolean().optional(),
  show_as_button: z.boolean().optional(),
  is_signup_enabled: z.boolean().optional(),
};
const connectionId = z.string().min(1).max(50);
const organizationConnectionName = z.string().min(1).max(50).regex(NO_NUL);
const accessLevel = z.enum(ORGANIZATION_ACCESS_LEVELS);

/** EA `CreateOrganizationAllConnectionRequestContent`. */
export const CreateOrganizationConnectionBody = z.strictObject({
  connection_id: connectionId,
  organization_connection_name: organizationConnectionName.optional(),
  ...SHARED_FIELDS,
  organization_access_level: accessLevel.optional(),
  is_enabled: z.boolean().optional(),
});

/** EA `UpdateOrganizationAllConnectionRequestContent`: name, access level and is_enabled take null. */
export const UpdateOrganizationConnectionBody = z.strictObject({
  organization_connection_name: organizationConnectionName.nullable().optional(),
  ...SHARED_FIELDS,
  organization_access_level: accessLevel.nullable().optional(),
  is_enabled: z.boolean().nullable().optional(),
});

/** GA `AddOrganizationConnectionRequestContent`; also the items of `POST /organizations` `enabled_connections`. */
export const AddEnabledConnectionBody = z.strictObject({ connection_id: connectionId, ...SHARED_FIELDS });

/** GA `UpdateOrganizationConnectionRequestContent`: no nulls. */
export const UpdateEnabledConnectionBody = z.strictObject({ ...SHARED_FIELDS });

const organizationFields = {
  name: z.string().min(1).max(50).regex(ORGANIZATION_NAME),
  display_name: z.string().min(1).max(255).optional(),
  metadata: anyObject.optional(),
  branding: anyObject.optional(),
};

export const CreateOrganizationBody = z.strictObject({
  ...organizationFields,
  enabled_connections: anyArray.optional(),
});

/** `enabled_connections` of a create holds at most 10 items; Auth0 checks it after the name is known to be free. */
export const InlineConnections = z.object({ enabled_connections: anyArray.max(10).optional() });

export const UpdateOrganizationBody = z.strictObject({
  ...organizationFields,
  name: organizationFields.name.optional(),
});

export const CreateConnectionBody = z.strictObject({
  name: z.string().min(1).max(128).regex(CONNECTION_NAME),
  strategy: z.string().min(1),
  display_name: z.string().min(1).max(128).optional(),
  is_domain_connection: z.boolean().optional(),
  realms: anyArray.optional(),
  enabled_clients: anyArray.optional(),
  metadata: anyObject.optional(),
  options: anyObject.optional(),
});

/** Fields of a form-encoded body that are booleans, so `true`/`false` strings become booleans. */
const BOOLEAN_FIELDS = new Set([
  'assign_membership_on_login',
  'show_as_button',
  'is_signup_enabled',
  'is_enabled',
  'is_domain_connection',
]);

/** The request body as sent: JSON, or form-encoded fields (docs/providers/auth0.md §3); an empty body is `{}`. */
export async function readBody(c: SimContext): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  const text = await c.req.text();
  if (type.includes('application/x-www-form-urlencoded')) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(text))
      out[k] = BOOLEAN_FIELDS.has(k) && (v === 'true' || v === 'false') ? v === 'true' : v;
    return out;
  }
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return apiError(400, 'Invalid request payload JSON format');
  }
}

/**
 * `body` when it passes `schema`, else Auth0's 400 `invalid_body`. The body is kept as sent rather
 * than zod's copy (the schemas transform nothing): Auth0 answers with fields in the order they came.
 */
export function checkedPayload<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const checked = check(schema, body);
  if (!checked.ok) invalidInput('Payload', checked.issues);
  return body as z.output<S>;
}

/** The request body, read and checked against `schema`. */
export async function readValidBody<S extends z.ZodType>(c: SimContext, schema: S): Promise<z.output<S>> {
  return checkedPayload(schema, await readBody(c));
}

/** A query value `true` or `false` (zod format `boolean` of the text). */
const booleanText = z.stringFormat('boolean', /^(?:true|false)$/).transform((v) => v === 'true');

/** `page`/`per_page`/`include_totals` of an offset-paged list. */
export const OffsetQuery = z.object({
  page: integerText(0, 1_000_000).default(0),
  per_page: integerText(1, 100).default(50),
  include_totals: booleanText.default(false),
});
export type OffsetQuery = z.output<typeof OffsetQuery>;

/** An EA organization-connection list: offset paging and an `is_enabled` filter. */
export const FilteredOffsetQuery = OffsetQuery.extend({ is_enabled: booleanText.optional() });

/** A checkpoint `from` is an offset this simulator encoded; anything else is refused. */
function checkpointOffset(from: string): number {
  return Number(decodeCursor(from));
}

/** `from`/`take` of a checkpoint-paged list (docs/providers/auth0.md §5). */
export const CheckpointQuery = z.object({
  take: integerText(1, 100).default(50),
  from: z
    .string()
    .refine((s) => Number.isInteger(checkpointOffset(s)) && checkpointOffset(s) >= 0, 'Invalid checkpoint')
    .transform(checkpointOffset)
    .optional(),
});

/** The query parameters `schema` names, checked; an empty value counts as absent, as Auth0 reads it. */
export function readQuery<S extends z.ZodObject>(c: SimContext, schema: S): z.output<S> {
  const given = Object.entries(queryOf(c, schema)).filter(([, v]) => v !== '');
  const checked = check(schema, Object.fromEntries(given));
  if (!checked.ok) invalidInput('Query', checked.issues);
  return checked.value;
}

/** Whether a list request pages by checkpoint (`from`/`take`) rather than by offset. */
export function isCheckpoint(c: SimContext): boolean {
  return c.req.query('take') !== undefined || c.req.query('from') !== undefined;
}

const pathId = z.string().max(50);
export const OrganizationPath = z.object({ id: pathId });
export const OrganizationConnectionPath = z.object({ id: pathId, connection_id: pathId });

/** The path parameters `schema` names, checked (ids are at most 50 characters). */
export function readPath<S extends z.ZodObject>(c: SimContext, schema: S): z.output<S> {
  const params = Object.fromEntries(Object.keys(schema.shape).map((name) => [name, c.req.param(name) ?? '']));
  const checked = check(schema, params);
  if (!checked.ok) invalidInput('Path', checked.issues);
  return checked.value;
}
