import { fail } from '../../../simulator/errors.js';
import { valueAt, type IssueAt } from '../../../simulator/validation.js';
import type { LeenValidationIssue } from '../api-types.js';

/** Leen's error answers: FastAPI's `{detail}` bodies, and its 422 items in pydantic v2's words. */

/** Ends the request with FastAPI's `{detail: "…"}`. */
export function detailError(status: 400 | 401 | 403 | 404, detail: string): never {
  return fail(status, { detail });
}

export function notFound(what: 'Organization' | 'Connection'): never {
  return detailError(404, `${what} not found`);
}

/** Ends the request with FastAPI's 422 `HTTPValidationError`. */
export function unprocessable(detail: LeenValidationIssue[]): never {
  return fail(422, { detail });
}

type Loc = Array<string | number>;

function locOf(prefix: Loc, path: PropertyKey[]): Loc {
  return [...prefix, ...path.map((p) => (typeof p === 'number' ? p : String(p)))];
}

function enumMessage(values: readonly unknown[]): string {
  const quoted = values.map((v) => `'${String(v)}'`);
  return quoted.length <= 1
    ? `Input should be ${quoted.join('')}`
    : `Input should be ${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

/** A missing field, echoing (as FastAPI does) the object it is missing from. */
function missing(prefix: Loc, input: unknown, path: PropertyKey[]): LeenValidationIssue {
  return {
    type: 'missing',
    loc: locOf(prefix, path),
    msg: 'Field required',
    input: valueAt(input, path.slice(0, -1)) ?? null,
  };
}

const UUID_MESSAGE =
  'Input should be a valid UUID, invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-]';

/**
 * zod's issues about `input` (a body, query or path checked at `prefix`, e.g. `['body']`) as
 * FastAPI `detail` items: pydantic v2 wording, `input` echoed as FastAPI does.
 */
export function fastApiIssues(
  prefix: Loc,
  input: unknown,
  issues: readonly IssueAt[],
): LeenValidationIssue[] {
  return issues.map(({ path, value, issue }): LeenValidationIssue => {
    const loc = locOf(prefix, path);
    if (issue.code === 'unrecognized_keys')
      return { type: 'extra_forbidden', loc, msg: 'Extra inputs are not permitted', input: value };
    if (issue.code === 'invalid_type' && value === undefined) return missing(prefix, input, path);
    if (issue.code === 'invalid_type' && (issue.expected === 'int' || issue.expected === 'number')) {
      // Every number in Leen's bodies is an integer (`expiry_secs`).
      return typeof value === 'number'
        ? {
            type: 'int_from_float',
            loc,
            msg: 'Input should be a valid integer, got a number with a fractional part',
            input: value,
          }
        : { type: 'int_type', loc, msg: 'Input should be a valid integer', input: value };
    }
    if (issue.code === 'invalid_type') {
      const byType: Record<string, [string, string]> = {
        string: ['string_type', 'Input should be a valid string'],
        record: ['dict_type', 'Input should be a valid dictionary'],
        object: [
          'model_attributes_type',
          'Input should be a valid dictionary or object to extract fields from',
        ],
      };
      const [type, msg] = byType[issue.expected] ?? [
        'value_error',
        `Input should be a valid ${issue.expected}`,
      ];
      return { type, loc, msg, input: value };
    }
    if (issue.code === 'invalid_value')
      return { type: 'enum', loc, msg: enumMessage(issue.values), input: value };
    if (issue.code === 'too_small' && issue.origin === 'string') {
      return {
        type: 'string_too_short',
        loc,
        msg: `String should have at least ${String(issue.minimum)} character${issue.minimum === 1 ? '' : 's'}`,
        input: value,
      };
    }
    if (issue.code === 'too_small' && issue.origin === 'bigint') {
      return {
        type: 'greater_than_equal',
        loc,
        msg: `Input should be greater than or equal to ${String(issue.minimum)}`,
        input: value,
      };
    }
    if (issue.code === 'too_big' && issue.origin === 'bigint') {
      return {
        type: 'less_than_equal',
        loc,
        msg: `Input should be less than or equal to ${String(issue.maximum)}`,
        input: value,
      };
    }
    if (issue.code === 'invalid_format' && issue.format === 'url')
      return { type: 'url_parsing', loc, msg: 'Input should be a valid URL', input: value };
    if (issue.code === 'invalid_format' && issue.format === 'uuid')
      return { type: 'uuid_parsing', loc, msg: UUID_MESSAGE, input: value };
    if (issue.code === 'invalid_format' && issue.format === 'integer') {
      return {
        type: 'int_parsing',
        loc,
        msg: 'Input should be a valid integer, unable to parse string as an integer',
        input: value,
      };
    }
    return { type: 'value_error', loc, msg: `Value error, ${issue.message}`, input: value };
  });
}

/** Problems with documented credentials (`input`, checked at `prefix`), worded by what was sent rather than by the check. */
export function credentialIssues(
  prefix: Loc,
  input: unknown,
  issues: readonly IssueAt[],
): LeenValidationIssue[] {
  return issues.map(({ path, value, issue }): LeenValidationIssue => {
    const loc = locOf(prefix, path);
    if (value === undefined) return missing(prefix, input, path);
    if (typeof value !== 'string')
      return { type: 'string_type', loc, msg: 'Input should be a valid string', input: value };
    if (value === '')
      return { type: 'string_too_short', loc, msg: 'String should have at least 1 character', input: value };
    return { type: 'value_error', loc, msg: `Value error, ${issue.message}`, input: value };
  });
}
