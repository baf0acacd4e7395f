import { createRoute } from '@hono/zod-openapi';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, defineRoute, problems } from '../route.js';
import { WebhookParams, webhookRoute } from './shared.js';

const route = createRoute({
  method: 'delete',
  operationId: 'deleteWebhook',
  summary: 'Remove a webhook endpoint; its undelivered deliveries are dropped',
  ...webhookRoute('webhooks:write', ''),
  request: { params: WebhookParams },
  responses: { 204: { description: 'Removed.' }, ...problems(404, ...AUTH_PROBLEMS) },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    await c.get('deps').webhooks.delete(serviceContext(c), c.req.valid('param').id);
    return c.body(null, 204);
  }),
);
