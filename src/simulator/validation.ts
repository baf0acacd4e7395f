import type { Context } from 'hono';
import { z } from 'zod';

/**
 * The shared mechanics of checking a request with zod: each simulator describes bodies, queries and
 * path parameters as zod schemas, and words what zod finds in its provider's own way from the
 * problems this module lays out (where, what is there, which check failed).
 */

/** One problem zod found in a checked value. */
export interface IssueAt {
  /** Where, from the checked value's root; an unknown key's path ends with that key. */
  path: PropertyKey[];
  /** What the checked value holds there: undefined where nothing is (a missing field; JSON has no undefined). */
  value: unknown;
  /** zod's issue (for an unknown key: the one issue that names all of them). */
  issue: z.core.$ZodIssue;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; issues: IssueAt[] };

/** The value at `path` inside `value`; undefined where the path leads nowhere. */
export function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** zod's issues about `input`, in zod's order, with each unknown key as a problem of its own. */
export function issuesAt(input: unknown, issues: readonly z.core.$ZodIssue[]): IssueAt[] {
  return issues.flatMap((issue): IssueAt[] => {
    if (issue.code !== 'unrecognized_keys')
      return [{ path: issue.path, value: valueAt(input, issue.path), issue }];
    return issue.keys.map((key) => {
      const path = [...issue.path, key];
      return { path, value: valueAt(input, path), issue };
    });
  });
}

/** `input` checked against `schema`: zod's output, or the problems found. */
export function check<S extends z.ZodType>(schema: S, input: unknown): Checked<z.output<S>> {
  const parsed = schema.safeParse(input);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, issues: issuesAt(input, parsed.error.issues) };
}

/** The query parameters a zod object schema names, each with its first value; absent ones are left out. */
export function queryOf(c: Context, schema: z.ZodObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(schema.shape)) {
    const value = c.req.query(name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * A whole number written as text (digits, an optional minus; zod format `integer`) between `min`
 * and `max` (a `too_small`/`too_big` of origin `bigint`), compared exactly however many digits it has.
 */
export function integerText(min: number, max: number) {
  return z
    .stringFormat('integer', /^-?\d+$/)
    .transform((s) => BigInt(s))
    .pipe(z.bigint().min(BigInt(min)).max(BigInt(max)))
    .transform(Number);
}
