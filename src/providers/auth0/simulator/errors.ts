import { fail } from '../../../simulator/errors.js';
import type { IssueAt } from '../../../simulator/validation.js';

/** Auth0's error answers, in Auth0's words: the Management API's error body, the token endpoint's OAuth one, and validation messages. */

const REASONS = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
} as const;

export type Auth0ErrorStatus = keyof typeof REASONS;

/** Ends the request with the Management API's error body (docs/providers/auth0.md §6). */
export function apiError(
  status: Auth0ErrorStatus,
  message: string,
  errorCode?: string,
  headers?: Record<string, string>,
): never {
  return fail(
    status,
    { statusCode: status, error: REASONS[status], message, ...(errorCode ? { errorCode } : {}) },
    headers,
  );
}

/** Ends the request with a 401 from the token check, which also carries the reason in `attributes`. */
export function tokenRejected(message: string): never {
  return fail(401, { statusCode: 401, error: 'Unauthorized', message, attributes: { error: message } });
}

/** Ends the request with the token endpoint's OAuth error body (docs/providers/auth0.md §2). */
export function oauthError(status: 400 | 401 | 403, error: string, description: string): never {
  return fail(status, { error, error_description: description }, { 'cache-control': 'no-store' });
}

export function noOrganization(): never {
  return apiError(404, 'No organization found by that id or name', 'inexistent_organization');
}

/** A self-service profile id that names none (the 404 description of `GET /self-service-profiles/{id}`). */
export function noSelfServiceProfile(): never {
  return apiError(404, 'Self-service profile not found', 'inexistent_self_service_profile');
}

export function noConnection(): never {
  return apiError(404, 'No connection found by that id', 'inexistent_connection');
}

/** The part of a request Auth0 names in a validation error, and the `errorCode` it answers with. */
export type InputPart = 'Payload' | 'Query' | 'Path';

const INVALID_CODES: Record<InputPart, string> = {
  Payload: 'invalid_body',
  Query: 'invalid_query_string',
  Path: 'invalid_uri',
};

/** Ends the request with Auth0's 400 for the first problem zod found: "Payload validation error: '…' on property x." */
export function invalidInput(part: InputPart, issues: readonly IssueAt[]): never {
  const { text, property } = firstProblem(issues);
  return apiError(
    400,
    `${part} validation error: '${text}'${property ? ` on property ${property}` : ''}.`,
    INVALID_CODES[part],
  );
}

/** A value's JSON Schema type, as Auth0's messages name it. */
function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/**
 * The problem Auth0 reports of all zod found: it checks the value's type, then unknown
 * properties (all named at once), then missing required ones, then each property in turn.
 */
function firstProblem(issues: readonly IssueAt[]): { text: string; property?: string } {
  const root = issues.find((i) => i.path.length === 0 && i.issue.code === 'invalid_type');
  if (root) return { text: `Expected type object but found type ${jsonType(root.value)}` };
  const unknown = issues.filter((i) => i.issue.code === 'unrecognized_keys');
  if (unknown.length > 0)
    return {
      text: `Additional properties not allowed: ${unknown.map((i) => String(i.path.at(-1))).join(',')}`,
    };
  const missing = issues.find((i) => i.value === undefined);
  if (missing) return { text: `Missing required property: ${String(missing.path.at(-1))}` };
  const first = issues[0];
  return first
    ? { text: problemText(first), property: first.path.map(String).join('.') }
    : { text: 'Invalid input' };
}

/** One property's problem in Auth0's words (JSON Schema validator wording). */
function problemText({ issue, value }: IssueAt): string {
  const length = typeof value === 'string' || Array.isArray(value) ? value.length : 0;
  switch (issue.code) {
    case 'invalid_type':
      // zod calls JSON Schema's `integer` `int`.
      return `Expected type ${issue.expected === 'int' ? 'integer' : issue.expected} but found type ${jsonType(value)}`;
    case 'invalid_value':
      return `No enum match for: ${JSON.stringify(value)}`;
    case 'invalid_format':
      // A query value is text: `integer` and `boolean` are formats of that text.
      if (issue.format === 'integer' || issue.format === 'boolean')
        return `Expected type ${issue.format} but found type string`;
      if (issue.format === 'regex' && issue.pattern !== undefined)
        return `String does not match pattern: ${issue.pattern.slice(1, issue.pattern.lastIndexOf('/'))}`;
      return issue.message;
    case 'too_small':
      if (issue.origin === 'string')
        return `String is too short (${length} chars), minimum ${String(issue.minimum)}`;
      if (issue.origin === 'array') return `Array is too short (${length}), minimum ${String(issue.minimum)}`;
      return `Value ${Number(value)} is less than minimum ${String(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'string')
        return `String is too long (${length} chars), maximum ${String(issue.maximum)}`;
      if (issue.origin === 'array') return `Array is too long (${length}), maximum ${String(issue.maximum)}`;
      return `Value ${Number(value)} is greater than maximum ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}
