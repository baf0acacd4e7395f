import type { Handler } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.js';

/** One route: method, path and handler, declared in its own file and listed in routes/index.ts. */
export interface Route {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  handler: Handler<AppEnv>;
}

export const defineRoute = (route: Route): Route => route;

/** `limit` 1–200 (default 50) and an opaque `cursor` (contract §6). */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).optional(),
});

export const ORG = '/v1/organizations/:org';
export const CONNECTIONS = `${ORG}/connections`;
export const CONNECTION = `${CONNECTIONS}/:id`;
