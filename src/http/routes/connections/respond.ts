import type { Context } from 'hono';
import type { AppEnv } from '../../env.js';

/** The preconditions of a write, from its headers. */
export const preconditions = (c: Context<AppEnv>) => ({ ifMatch: c.req.header('if-match') });
