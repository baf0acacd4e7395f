import type { z } from 'zod';
import { validationError, type FieldProblem } from './errors.js';

/** RFC 6901 pointer from a path. */
export function pointer(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  return prefix + path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Problems of a zod error, one per field; unknown keys are named each with their own pointer. */
export function problemsOf(error: z.ZodError, prefix = ''): FieldProblem[] {
  return error.issues.flatMap((i): FieldProblem[] => {
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => ({ pointer: pointer([...i.path, k], prefix), message: 'unknown field' }));
    }
    return [{ pointer: pointer(i.path, prefix), message: i.message }];
  });
}

/** Parses or throws a 400 `validation_failed` naming each field. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, prefix = ''): T {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(problemsOf(r.error, prefix));
  return r.data;
}
