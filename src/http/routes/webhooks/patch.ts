import { createRoute } from '@hono/zod-openapi';
import { PatchWebhookBody } from '../../../core/services/webhooks.js';
import { Webhook } from '../../openapi/schemas.js';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, BODY_PROBLEMS, defineRoute, json, problems } from '../route.js';
import { WebhookParams, webhookRoute } from './shared.js';

const route = createRoute({
  method: 'patch',
  operationId: 'patchWebhook',
  summary: 'Change a webhook endpoint (JSON Merge Patch); enabling it again resets its failure count',
  ...webhookRoute('webhooks:write', ''),
  request: {
    params: WebhookParams,
    body: {
      required: true,
      content: {
        'application/merge-patch+json': { schema: PatchWebhookBody },
        'application/json': { schema: PatchWebhookBody },
      },
    },
  },
  responses: { 200: json(Webhook, 'The endpoint.'), ...problems(...BODY_PROBLEMS, 404, ...AUTH_PROBLEMS) },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) =>
    c.json(
      await c.get('deps').webhooks.patch(serviceContext(c), c.req.valid('param').id, c.req.valid('json')),
      200,
    ),
  ),
);
