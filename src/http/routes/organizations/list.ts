import { createRoute } from '@hono/zod-openapi';
import { OrganizationList } from '../../openapi/schemas.js';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, authorized, defineRoute, json, PageQuery, problems } from '../route.js';

const route = createRoute({
  method: 'get',
  path: '/v1/organizations',
  operationId: 'listOrganizations',
  tags: ['organizations'],
  summary: 'List organizations',
  ...authorized('organizations:read'),
  request: { query: PageQuery },
  responses: { 200: json(OrganizationList, 'A page of organizations.'), ...problems(400, ...AUTH_PROBLEMS) },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) =>
    c.json(
      await c.get('deps').organizations.list(serviceContext(c), {
        limit: c.req.valid('query').limit,
        cursor: c.req.valid('query').cursor,
      }),
      200,
    ),
  ),
);
