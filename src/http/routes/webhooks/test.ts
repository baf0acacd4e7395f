import { createRoute } from '@hono/zod-openapi';
import { DeliveryId } from '../../openapi/schemas.js';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, defineRoute, json, problems } from '../route.js';
import { WebhookParams, webhookRoute } from './shared.js';

const route = createRoute({
  method: 'post',
  operationId: 'testWebhook',
  summary: 'Send a `webhook.test` event to this endpoint alone',
  ...webhookRoute('webhooks:write', '/test'),
  request: { params: WebhookParams },
  responses: {
    202: json(DeliveryId, 'Queued: follow it in the delivery log.'),
    ...problems(404, 409, ...AUTH_PROBLEMS),
  },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) =>
    c.json(await c.get('deps').webhooks.test(serviceContext(c), c.req.valid('param').id), 202),
  ),
);
