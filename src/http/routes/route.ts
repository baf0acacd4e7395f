import type { OpenAPIHono, RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { ErrorCode } from '../../core/errors.js';
import { hasScope, type RouteScope } from '../../core/caller.js';
import { ERROR_STATUS, GatewayError } from '../../core/errors.js';
import type { AppDeps, AppEnv } from '../env.js';
import { Problem } from '../openapi/schemas.js';
import { serviceContext } from '../request.js';

/**
 * What every route file builds on. A route file declares its OpenAPI route (`createRoute`: path
 * params, query, body and every response as zod schemas) and its handler, and registers both on
 * the app; routes/index.ts lists the files.
 */

export type GatewayApp = OpenAPIHono<AppEnv>;

/** One route file: registers its route on the app (the create route needs the configured providers). */
export interface RouteModule {
  register(app: GatewayApp, deps: AppDeps): void;
}

export const defineRoute = (register: RouteModule['register']): RouteModule => ({ register });

/**
 * What a /v1 route needs, declared once next to its OpenAPI definition: `Authorization: Bearer`
 * with this scope (the security requirement names it, as OpenAPI 3.1 allows for any scheme) and
 * the guard that enforces it, first of the route's middleware: the key (401, app-wide), then the
 * scope (403), then the organization or connection (404), then the request (400/415/422).
 */
export function authorized<M extends Array<MiddlewareHandler<AppEnv>>>(scope: RouteScope, ...then: M) {
  const security: NonNullable<RouteConfig['security']> = [{ bearer: [scope] }];
  return { security, middleware: [requireScope(scope), ...then] as [MiddlewareHandler<AppEnv>, ...M] };
}

function requireScope(scope: RouteScope): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!hasScope(c.get('caller'), scope)) {
      throw new GatewayError(
        'forbidden',
        scope === 'admin' ? 'Only the admin key may do this.' : `This key lacks the ${scope} scope.`,
      );
    }
    await next();
  };
}

export const OrgParams = z.object({ org: z.string().min(1).describe('The gateway organization id.') });
export const ConnectionParams = OrgParams.extend({
  id: z.string().min(1).describe('The connection id (`cn_…`).'),
});

/** `limit` 1–200 (default 50) and an opaque `cursor` (contract §6). */
export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Items per page, 1–200.'),
  cursor: z.string().min(1).optional().describe('`next_cursor` of the previous page.'),
});

export const ETAG_HEADER = {
  ETag: {
    description: 'Strong validator of the representation; send it back as If-Match.',
    schema: { type: 'string' as const },
  },
};

/** `application/json` content of a response. */
export function json<S extends z.ZodType>(schema: S, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** Error responses a route may give, each rendered as application/problem+json. */
export function problems<S extends number>(
  ...statuses: S[]
): Record<S, { description: string; content: { 'application/problem+json': { schema: typeof Problem } } }> {
  const codesOf = (status: number) =>
    (Object.entries(ERROR_STATUS) as Array<[ErrorCode, number]>)
      .filter(([, s]) => s === status)
      .map(([c]) => `\`${c}\``);
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: `Problem: ${codesOf(s).join(', ')}`,
        content: { 'application/problem+json': { schema: Problem } },
      },
    ]),
  ) as never;
}

/** Any route can answer these: a request that arrived too slowly, a request target or headers too large, a bug. */
export const ANY_PROBLEMS = [408, 414, 431, 500] as const;
/** Every authenticated route can answer these (503: the database is unreachable, `storage_unavailable`). */
export const AUTH_PROBLEMS = [401, 403, 503, ...ANY_PROBLEMS] as const;
/** Routes that read a body. */
export const BODY_PROBLEMS = [400, 413, 415] as const;
/** Routes that call a provider. */
export const UPSTREAM_PROBLEMS = [422, 429, 502, 503, 504] as const;

/**
 * Before a body is validated: the organization must exist and be the caller's (404 otherwise),
 * so a caller learns nothing about another tenant from a 400.
 */
export const requireOrganization: MiddlewareHandler<AppEnv> = async (c, next) => {
  await c.get('deps').organizations.require(serviceContext(c), c.req.param('org') ?? '');
  await next();
};

/**
 * The guard of a connection's routes: the organization and the connection, found in one storage
 * lookup that the service reuses (404 before a body is validated, as above).
 */
export const requireConnection: MiddlewareHandler<AppEnv> = async (c, next) => {
  await c
    .get('deps')
    .connections.requireConnection(serviceContext(c), c.req.param('org') ?? '', c.req.param('id') ?? '');
  await next();
};
