import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { GatewayError } from '../../core/errors.js';
import { AccessLine } from '../access-line.js';
import { carriesRequestId } from '../answer.js';
import { MAX_URL_BYTES } from '../client-errors.js';
import type { AppDeps, AppEnv } from '../env.js';
import { problemResponse } from '../problem.js';

const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/;
/** A connect session token in a path (`/connect/pbcs_…`, the page's link): never logged. */
const CONNECT_TOKEN = /pbcs_[0-9A-Za-z]+/g;

/**
 * The request's dependencies (`deps`), and its id: X-Request-Id taken from the caller when well-formed, else made; echoed on the response; every
 * log line of the request carries it. Writes the one access-log line per request, with the
 * request's upstream attempt when it made exactly one (access-line.ts). A request target over
 * MAX_URL_BYTES is 414 (longer ones than Node reads at all are answered in client-errors.ts).
 */
export function requestScope(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    c.set('deps', deps);
    const given = c.req.header('x-request-id');
    const requestId = given && WELL_FORMED.test(given) ? given : randomUUID();
    const line = new AccessLine();
    c.set('requestId', requestId);
    c.set('accessLine', line);
    const url = c.req.url;
    const target = url.slice(url.indexOf('/', url.indexOf('//') + 2));
    if (Buffer.byteLength(target) > MAX_URL_BYTES) {
      c.res = problemResponse(
        c,
        new GatewayError('uri_too_long', `The request target is longer than ${MAX_URL_BYTES} bytes.`),
      );
    } else {
      await next();
    }
    // The answers built whole (answer.ts) carry it; the others get it now.
    if (!carriesRequestId(c.res)) c.res.headers.set('x-request-id', requestId);
    const path = c.req.path;
    const upstream = line.close();
    // Fixed fields the gateway sets (no secret-named key, a token in a path replaced): written by
    // the access logger, which does not walk the object for secret-named keys (logger.ts).
    deps.accessLog.info(
      {
        request_id: requestId,
        method: c.req.method,
        route: routePath(c, -1),
        path: path.includes('pbcs_') ? path.replace(CONNECT_TOKEN, 'pbcs_[redacted]') : path,
        status: c.res.status,
        duration_ms: Math.round((performance.now() - started) * 100) / 100,
        ...(upstream ? { upstream } : {}),
      },
      'request',
    );
  };
}
