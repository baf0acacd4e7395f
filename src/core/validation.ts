import { z } from 'zod';
import { validationError, type FieldProblem } from './errors.js';

/** RFC 6901 pointer from a path. */
export function pointer(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  return prefix + path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

export interface FieldIssue {
  path: PropertyKey[];
  /** zod's issue code (`unrecognized_keys` for each unknown key). */
  code: string;
  message: string;
}

/** Issues of a zod error, one per field: each unknown key gets its own path. Never a value. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((i): FieldIssue[] =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ path: [...i.path, k], code: i.code, message: 'unknown field' }))
      : [{ path: i.path, code: i.code, message: i.message }],
  );
}

/** Problems of a zod error, one per field, as JSON pointers under `prefix`. */
export function problemsOf(error: z.ZodError, prefix = ''): FieldProblem[] {
  return fieldIssues(error).map((i) => ({ pointer: pointer(i.path, prefix), message: i.message }));
}

/** Parses or throws a 400 `validation_failed` naming each field. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, prefix = ''): T {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(problemsOf(r.error, prefix));
  return r.data;
}

/**
 * A name the gateway stores itself (an organization's, an API key's): 1–200 characters, no NUL,
 * which PostgreSQL text cannot hold (refused on every backend alike, with the field named).
 */
export const StoredName = z
  .string()
  .min(1)
  .max(200)
  .refine((s) => !s.includes('\u0000'), 'must not contain U+0000 (NUL)');

const compiledSchemas = new WeakMap<z.ZodType, z.ZodType>();

/**
 * `schema` compiled ahead of time (`z.compile`: a parser generated for it, zod's own as the
 * fallback for what it cannot generate), once per schema: for the providers' answers, parsed on
 * every call. The same answers as `schema.safeParse`, in less time.
 */
export function compiled<T>(schema: z.ZodType<T>): z.ZodType<T> {
  let c = compiledSchemas.get(schema) as z.ZodType<T> | undefined;
  if (!c) {
    c = z.compile(schema) as z.ZodType<T>;
    compiledSchemas.set(schema, c);
  }
  return c;
}
