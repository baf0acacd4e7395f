import { createRoute } from '@hono/zod-openapi';
import { WebhookList } from '../../openapi/schemas.js';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, authorized, defineRoute, json, PageQuery, problems } from '../route.js';

const route = createRoute({
  method: 'get',
  path: '/v1/webhooks',
  operationId: 'listWebhooks',
  tags: ['webhooks'],
  summary: 'List the webhook endpoints this key may manage, never their secrets',
  ...authorized('webhooks:read'),
  request: { query: PageQuery },
  responses: { 200: json(WebhookList, 'A page of endpoints.'), ...problems(400, ...AUTH_PROBLEMS) },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) =>
    c.json(await c.get('deps').webhooks.list(serviceContext(c), c.req.valid('query')), 200),
  ),
);
