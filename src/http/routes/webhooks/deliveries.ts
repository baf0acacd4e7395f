import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { DELIVERY_STATUSES, DeliveryList } from '../../openapi/schemas.js';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, defineRoute, json, PageQuery, problems } from '../route.js';
import { WebhookParams, webhookRoute } from './shared.js';

const route = createRoute({
  method: 'get',
  operationId: 'listWebhookDeliveries',
  summary: 'The delivery log of a webhook endpoint, newest first',
  ...webhookRoute('webhooks:read', '/deliveries'),
  request: {
    params: WebhookParams,
    query: PageQuery.extend({
      status: z.enum(DELIVERY_STATUSES).optional().describe('Only deliveries in this status.'),
      event_type: z.string().min(1).max(200).optional().describe('Only deliveries of this event type.'),
    }),
  },
  responses: { 200: json(DeliveryList, 'A page of deliveries.'), ...problems(400, 404, ...AUTH_PROBLEMS) },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) =>
    c.json(
      await c
        .get('deps')
        .webhooks.deliveries(serviceContext(c), c.req.valid('param').id, c.req.valid('query')),
      200,
    ),
  ),
);
