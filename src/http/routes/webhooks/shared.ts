import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { RouteScope } from '../../../core/caller.js';
import type { AppEnv } from '../../env.js';
import { authorized } from '../route.js';

/** Path, tag and scope of a route of one webhook endpoint (`suffix` below `/v1/webhooks/{id}`). */
export function webhookRoute<S extends string, M extends Array<MiddlewareHandler<AppEnv>>>(
  scope: RouteScope,
  suffix: S,
  ...then: M
) {
  return { path: `/v1/webhooks/{id}${suffix}` as const, tags: ['webhooks'], ...authorized(scope, ...then) };
}

export const WebhookParams = z.object({ id: z.string().min(1).describe('The webhook id (`wh_…`).') });
