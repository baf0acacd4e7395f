import { createRoute } from '@hono/zod-openapi';
import { CreateWebhookBody } from '../../../core/services/webhooks.js';
import { CreatedWebhook } from '../../openapi/schemas.js';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, authorized, BODY_PROBLEMS, defineRoute, json, problems } from '../route.js';

const route = createRoute({
  method: 'post',
  path: '/v1/webhooks',
  operationId: 'createWebhook',
  tags: ['webhooks'],
  summary: 'Add a webhook endpoint; its signing secret is in this answer and nowhere else',
  description:
    'The URL must be `https://` with no user-info, on a host that resolves to public addresses only (the sandbox allows http and loopback). Events are signed as Standard Webhooks.',
  ...authorized('webhooks:write'),
  request: { body: { required: true, content: { 'application/json': { schema: CreateWebhookBody } } } },
  responses: {
    201: json(CreatedWebhook, 'The endpoint, with its secret shown this once.'),
    ...problems(...BODY_PROBLEMS, 422, ...AUTH_PROBLEMS),
  },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    const created = await c.get('deps').webhooks.create(serviceContext(c), c.req.valid('json'));
    c.header('cache-control', 'no-store');
    c.header('location', `/v1/webhooks/${created.id}`);
    return c.json(created, 201);
  }),
);
