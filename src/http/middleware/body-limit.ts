import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { GatewayError } from '../../core/errors.js';
import type { AppEnv } from '../env.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Bodies over 1 MiB are refused with 413 before they are read whole. A request without
 * Content-Length or Transfer-Encoding has no body (RFC 9112 §6.3) and skips the check: looking
 * at a body makes the server build a whole WHATWG Request, a large share of a read's cost.
 */
export function limitBody(): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new GatewayError('payload_too_large', `The body is larger than ${MAX_BODY_BYTES} bytes.`);
    },
  });
  return async (c, next) => {
    if (c.req.header('content-length') === undefined && c.req.header('transfer-encoding') === undefined)
      return next();
    return limit(c, next);
  };
}
