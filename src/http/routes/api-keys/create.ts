import { createRoute } from '@hono/zod-openapi';
import { CreateApiKeyBody } from '../../../core/services/api-keys.js';
import { CreatedApiKey } from '../../openapi/schemas.js';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, authorized, BODY_PROBLEMS, defineRoute, json, problems } from '../route.js';

const route = createRoute({
  method: 'post',
  path: '/v1/api-keys',
  operationId: 'createApiKey',
  tags: ['api-keys'],
  summary: 'Make an API key (admin key only); the key is in this answer and nowhere else',
  ...authorized('admin'),
  request: { body: { required: true, content: { 'application/json': { schema: CreateApiKeyBody } } } },
  responses: {
    201: json(CreatedApiKey, 'The key, shown this once.'),
    ...problems(...BODY_PROBLEMS, ...AUTH_PROBLEMS),
  },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    const created = await c.get('deps').apiKeys.create(serviceContext(c), c.req.valid('json'));
    // The answer holds a secret: no cache may keep it.
    c.header('cache-control', 'no-store');
    return c.json(created, 201);
  }),
);
