import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { GatewayError } from '../../core/errors.js';
import { MAX_URL_BYTES } from '../client-errors.js';
import type { AppEnv } from '../env.js';
import { problemResponse } from '../problem.js';

const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/;
/** A connect session token in a path (`/connect/pbcs_…`, the page's link): never logged. */
const CONNECT_TOKEN = /pbcs_[0-9A-Za-z]+/g;

/**
 * X-Request-Id: taken from the caller when well-formed, else made; echoed on the response; every
 * log line of the request carries it. Writes the one access-log line per request. A request
 * target over MAX_URL_BYTES is 414 (longer ones than Node reads at all are answered in client-errors.ts).
 */
export function requestScope(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const given = c.req.header('x-request-id');
    const requestId = given && WELL_FORMED.test(given) ? given : randomUUID();
    const log = c.get('deps').logger.child({ request_id: requestId });
    c.set('requestId', requestId);
    c.set('log', log);
    // Set before the answer is made, so it is built with it: a header added to a finished answer
    // makes Hono copy it into a streamed one, which costs more than the rest of a cached read.
    c.header('x-request-id', requestId);
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
    // Answers made as whole Response objects (problems) did not pass through the prepared headers.
    if (!c.res.headers.has('x-request-id')) c.res.headers.set('x-request-id', requestId);
    log.info(
      {
        method: c.req.method,
        route: routePath(c, -1),
        path: c.req.path.replace(CONNECT_TOKEN, 'pbcs_[redacted]'),
        status: c.res.status,
        duration_ms: Math.round((performance.now() - started) * 100) / 100,
      },
      'request',
    );
  };
}
