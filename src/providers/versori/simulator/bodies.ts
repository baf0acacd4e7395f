import { z } from 'zod';
import type { SimContext } from '../../../simulator/server.js';
import { check, queryOf } from '../../../simulator/validation.js';
import { JWT_ALGORITHMS, type VersoriAuthType } from '../api-types.js';
import { badRequest, describeIssue } from './errors.js';

/**
 * What the simulated Switchboard accepts, as zod schemas after the published OpenAPI document:
 * connection bodies, the secret `data` per auth type, and the list query; problems are answered
 * as 400 `bad_request` naming the field (errors.ts).
 */

/**
 * `data` per auth type, as the `ConnectionData*` variants define it. Those schemas do not forbid
 * other properties, so other keys are accepted (and count in the stored fingerprint).
 */
const DATA_SCHEMAS: Partial<Record<VersoriAuthType, z.ZodType<Record<string, unknown>>>> = {
  apikey: z.looseObject({ apiKey: z.string() }),
  httpBasicAuth: z.looseObject({ user: z.string(), password: z.string() }),
  httprefresh: z.looseObject({ secret: z.string() }),
  oauth2: z.looseObject({
    clientId: z.string(),
    clientSecret: z.string(),
    username: z.string().optional(),
    password: z.string().optional(),
    additionalParameters: z.string().optional(),
    issueToken: z.boolean().optional(),
    authStyle: z.number().int().optional(),
  }),
  jwtbearer: z.looseObject({
    secret: z.string(),
    payload: z.record(z.string(), z.unknown()),
    algorithm: z.enum(JWT_ALGORITHMS),
    prefix: z.string().optional(),
    expiresIn: z.string().optional(),
  }),
};

export const CreateBody = z.object({
  name: z.string(),
  appId: z.string(),
  authType: z.string(),
  data: z.unknown(),
});
export const UpdateBody = z.object({
  name: z.string(),
  data: z
    .unknown()
    .refine((v) => v !== undefined && v !== null, 'required: an update replaces name and data together'),
});

/** `InitConnectionRequestBody`: `appId` and `authType`, both required strings (other keys ignored, as on create). */
export const InitBody = z.object({ appId: z.string(), authType: z.string() });

/**
 * The `schema` of a connection-init `form` answer for `authType`. The spec says only that it is
 * "some kind of schema used to generate a HTML form" whose details are "not known at the time of
 * writing"; the simulator answers the JSON Schema (draft 2020-12) of the `ConnectionData*` variant
 * that POST /connections takes as `data` for that auth type, or an empty object schema for an auth
 * type without one.
 */
export function formSchema(authType: VersoriAuthType): Record<string, unknown> {
  const schema = DATA_SCHEMAS[authType];
  return schema ? z.toJSONSchema(schema, { io: 'input' }) : { type: 'object', properties: {} };
}

/** `POST /__sim/organisations`. */
export const OrganisationBody = z.strictObject({ id: z.string().min(1), name: z.string().optional() });

/** The list's query; cursors are checked when a page is cut (a list that ignores paging never reads them). */
export const ListQuery = z
  .object({
    appId: z.string().optional(),
    sort: z
      .string()
      .regex(/^([^:,]+:[^:,]+)(,[^:,]+:[^:,]+)*$/, 'sort must look like field:direction[,field:direction]')
      .optional(),
    first: z
      .string()
      .regex(/^[1-9][0-9]*$/, 'first must be a positive integer')
      .transform(Number)
      .optional(),
    after: z.string().optional(),
    before: z.string().optional(),
  })
  .refine((q) => q.after === undefined || q.before === undefined, 'after and before cannot be combined');

/** The request body as JSON. */
export async function jsonBody(c: SimContext): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return badRequest('the request body is not valid JSON');
  }
}

/** `input` checked against `schema`, else a 400 naming the first problem (under `prefix`). */
export function checked<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const result = check(schema, input);
  if (!result.ok) badRequest(describeIssue(prefix, result.issues));
  return result.value;
}

/** The list's query parameters, checked; Switchboard's messages are its own, without a field path. */
export function listQuery(c: SimContext): z.output<typeof ListQuery> {
  const result = check(ListQuery, queryOf(c, ListQuery));
  if (!result.ok) badRequest(result.issues[0]?.issue.message ?? 'the query is invalid');
  return result.value;
}

/** The secret `data` for `authType`, checked against its variant. */
export function checkData(authType: VersoriAuthType, data: unknown): Record<string, unknown> {
  const schema = DATA_SCHEMAS[authType];
  if (!schema) badRequest(`connections with authType ${authType} are created through connection-init`);
  return checked(schema, data, 'data');
}
