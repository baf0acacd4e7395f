import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { GatewayError } from '../../core/errors.js';
import type { AppEnv } from '../env.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/** Bodies over 1 MiB are refused with 413 before they are read whole. */
export function limitBody(): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new GatewayError('payload_too_large', `The body is larger than ${MAX_BODY_BYTES} bytes.`);
    },
  });
}
