import type { Context, MiddlewareHandler, TypedResponse } from 'hono';
import type { JSONParsed } from 'hono/utils/types';
import { z } from 'zod';
import type { RouteScope } from '../../../core/caller.js';
import { jsonAnswer } from '../../answer.js';
import type { AppEnv } from '../../env.js';
import { authorized, requireConnection } from '../route.js';

/**
 * What the routes of one connection share: where they sit, their tag and guard, `If-Match`, and
 * how a versioned answer (a connection and its ETag) is written.
 */

/** Path, tag and guard of a route of one connection (`suffix` below `/connections/{id}`); `then` runs after the guard. */
export function connectionRoute<S extends string, M extends Array<MiddlewareHandler<AppEnv>>>(
  scope: RouteScope,
  suffix: S,
  ...then: M
) {
  return {
    path: `/v1/organizations/{org}/connections/{id}${suffix}` as const,
    tags: ['connections'],
    ...authorized(scope, requireConnection, ...then),
  };
}

/** `If-Match` as the routes that write declare it (checked by the service against a fresh read). */
export const IF_MATCH = z.object({
  'if-match': z
    .string()
    .optional()
    .describe(
      'An ETag from a previous answer: the write happens only if the connection is still that version (else 412).',
    ),
});

/** The preconditions of a write, from its headers. */
export const preconditions = (c: Context<AppEnv>) => ({ ifMatch: c.req.header('if-match') });

/**
 * A connection with its ETag, as one answer (its JSON written once, for the ETag too), typed as
 * `c.json(connection, status)` would be for the route's OpenAPI checks.
 */
export function answerVersioned<S extends 200 | 201, C>(
  c: Context<AppEnv>,
  v: { connection: C; etag: string; json: string },
  status: S,
  headers?: Record<string, string>,
): Response & TypedResponse<JSONParsed<C>, S, 'json'> {
  return jsonAnswer(c, status, v.json, { ...headers, etag: v.etag }) as Response &
    TypedResponse<JSONParsed<C>, S, 'json'>;
}
