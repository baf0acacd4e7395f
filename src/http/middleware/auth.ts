import type { MiddlewareHandler } from 'hono';
import { GatewayError } from '../../core/errors.js';
import type { AppEnv } from '../env.js';

/** `Authorization: Bearer <key>` on every /v1 route; 401 otherwise. */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const key = match?.[1];
    const caller = key ? await c.get('deps').authenticate(key) : null;
    if (!caller)
      throw new GatewayError('unauthenticated', 'A valid key is required: Authorization: Bearer <key>.');
    c.set('caller', caller);
    await next();
  };
}
