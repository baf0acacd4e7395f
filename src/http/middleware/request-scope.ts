import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppEnv } from '../env.js';

const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * X-Request-Id: taken from the caller when well-formed, else made; echoed on the response; every
 * log line of the request carries it. Writes the one access-log line per request.
 */
export function requestScope(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const given = c.req.header('x-request-id');
    const requestId = given && WELL_FORMED.test(given) ? given : randomUUID();
    const log = c.get('deps').logger.child({ request_id: requestId });
    c.set('requestId', requestId);
    c.set('log', log);
    await next();
    c.header('x-request-id', requestId);
    log.info({ method: c.req.method, route: routePath(c, -1), path: c.req.path, status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100 }, 'request');
  };
}
