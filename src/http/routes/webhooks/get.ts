import { createRoute } from '@hono/zod-openapi';
import { Webhook } from '../../openapi/schemas.js';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, defineRoute, json, problems } from '../route.js';
import { WebhookParams, webhookRoute } from './shared.js';

const route = createRoute({
  method: 'get',
  operationId: 'getWebhook',
  summary: 'Read a webhook endpoint (never its secret)',
  ...webhookRoute('webhooks:read', ''),
  request: { params: WebhookParams },
  responses: { 200: json(Webhook, 'The endpoint.'), ...problems(404, ...AUTH_PROBLEMS) },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) =>
    c.json(await c.get('deps').webhooks.get(serviceContext(c), c.req.valid('param').id), 200),
  ),
);
