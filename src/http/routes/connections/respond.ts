import type { Context } from 'hono';
import type { Versioned } from '../../../core/connections/canonical.js';
import type { AppEnv } from '../../env.js';

/** A connection body with its strong ETag. */
export function sendConnection(c: Context<AppEnv>, v: Versioned, status: 200 | 201 = 200): Response {
  c.header('etag', v.etag);
  return c.json(v.connection, status);
}

export const preconditions = (c: Context<AppEnv>) => ({ ifMatch: c.req.header('if-match') });
