import { createRoute, z } from '@hono/zod-openapi';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, authorized, defineRoute, problems } from '../route.js';

const route = createRoute({
  method: 'delete',
  path: '/v1/api-keys/{id}',
  operationId: 'revokeApiKey',
  tags: ['api-keys'],
  summary: 'Revoke an API key (admin key only); it stops working at once',
  ...authorized('admin'),
  request: { params: z.object({ id: z.string().min(1).describe('The key id (`key_…`).') }) },
  responses: { 204: { description: 'Revoked.' }, ...problems(404, ...AUTH_PROBLEMS) },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    await c.get('deps').apiKeys.revoke(serviceContext(c), c.req.valid('param').id);
    return c.body(null, 204);
  }),
);
