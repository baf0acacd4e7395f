import { createRoute } from '@hono/zod-openapi';
import { RotatedSecret } from '../../openapi/schemas.js';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, defineRoute, json, problems } from '../route.js';
import { WebhookParams, webhookRoute } from './shared.js';

const route = createRoute({
  method: 'post',
  operationId: 'rotateWebhookSecret',
  summary: 'Make a new signing secret; the old one keeps signing beside it for a while',
  ...webhookRoute('webhooks:write', '/rotate-secret'),
  request: { params: WebhookParams },
  responses: {
    200: json(RotatedSecret, 'The new secret, shown this once.'),
    ...problems(404, 422, ...AUTH_PROBLEMS),
  },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    const rotated = await c.get('deps').webhooks.rotateSecret(serviceContext(c), c.req.valid('param').id);
    c.header('cache-control', 'no-store');
    return c.json(rotated, 200);
  }),
);
