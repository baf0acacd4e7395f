import type { ErrorHandler } from 'hono';
import { answerErrors, fail } from '../../../simulator/errors.js';
import type { SimEnv } from '../../../simulator/kit.js';
import type { IssueAt } from '../../../simulator/validation.js';
import type { VersoriError } from '../api-types.js';

/** Switchboard's error answers: `{ code, message }`, messages naming a field but never echoing its value. */

function versoriError(status: 400 | 401 | 404, code: string, message: string): never {
  return fail(status, { code, message } satisfies VersoriError);
}

export function badRequest(message: string): never {
  return versoriError(400, 'bad_request', message);
}

export function notFound(message: string): never {
  return versoriError(404, 'not_found', message);
}

export function unauthenticated(message: string): never {
  return versoriError(401, 'unauthenticated', message);
}

/** The first problem zod found, as `<field path>: <zod's message>` under `prefix` (`body` when there is no path). */
export function describeIssue(prefix: string, issues: readonly IssueAt[]): string {
  const first = issues[0];
  if (!first) return `${prefix} is invalid`;
  const at = [prefix, ...first.issue.path.map(String)].filter((p) => p !== '').join('.');
  return `${at || 'body'}: ${first.issue.message}`;
}

/** Errors as Switchboard answers them: a thrown answer as it is, anything else a 500 `internal`. */
export const answerVersoriErrors: ErrorHandler<SimEnv> = answerErrors<SimEnv>((_e, c) =>
  c.json({ code: 'internal', message: 'internal error' } satisfies VersoriError, 500),
);
