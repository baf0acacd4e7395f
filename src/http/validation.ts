import type { z } from 'zod';
import { validationError } from '../core/errors.js';
import { problemsOf } from '../core/validation.js';

const WHAT: Record<string, string> = {
  json: 'The request body',
  query: 'The query string',
  param: 'The path',
  header: 'A header',
};

/**
 * The one hook for request validation failures (OpenAPIHono's defaultHook): the existing 400
 * `validation_failed` problem with a JSON pointer per field (`/credentials/secret_key`, `/limit`).
 * Messages name fields and expectations, never values.
 */
export function validationHook(
  result: { success: true } | { success: false; error: z.ZodError; target: string },
): void {
  if (result.success) return;
  throw validationError(problemsOf(result.error), `${WHAT[result.target] ?? 'The request'} is not valid.`);
}
