import type { Context, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { RouteScope } from '../../../core/caller.js';
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

/** A connection with its ETag: the header, then the body. */
export function answerVersioned<S extends 200 | 201, C>(
  c: Context<AppEnv>,
  v: { connection: C; etag: string },
  status: S,
) {
  c.header('etag', v.etag);
  return c.json(v.connection, status);
}
