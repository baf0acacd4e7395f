import { createRoute } from '@hono/zod-openapi';
import { ApiKeyList } from '../../openapi/schemas.js';
import { AUTH_PROBLEMS, authorized, defineRoute, json, PageQuery, problems } from '../route.js';

const route = createRoute({
  method: 'get',
  path: '/v1/api-keys',
  operationId: 'listApiKeys',
  tags: ['api-keys'],
  summary: 'List the API keys in force (admin key only), never the keys themselves',
  ...authorized('admin'),
  request: { query: PageQuery },
  responses: { 200: json(ApiKeyList, 'A page of API keys.'), ...problems(400, ...AUTH_PROBLEMS) },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    return c.json(await c.get('deps').apiKeys.list({ limit: q.limit, cursor: q.cursor }), 200);
  }),
);
