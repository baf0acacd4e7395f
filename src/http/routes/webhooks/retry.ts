import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, defineRoute, problems } from '../route.js';
import { WebhookParams, webhookRoute } from './shared.js';

const route = createRoute({
  method: 'post',
  operationId: 'retryWebhookDelivery',
  summary: 'Try one delivery again now (the same `webhook-id`), whatever its status',
  ...webhookRoute('webhooks:write', '/deliveries/{delivery_id}/retry'),
  request: {
    params: WebhookParams.extend({ delivery_id: z.string().min(1).describe('The delivery id (`dl_…`).') }),
  },
  responses: { 202: { description: 'Due now.' }, ...problems(404, 409, ...AUTH_PROBLEMS) },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    const { id, delivery_id: deliveryId } = c.req.valid('param');
    await c.get('deps').webhooks.retry(serviceContext(c), id, deliveryId);
    return c.body(null, 202);
  }),
);
