import { createRoute } from '@hono/zod-openapi';
import { EventList } from '../../openapi/schemas.js';
import { AUTH_PROBLEMS, authorized, defineRoute, json, PageQuery, problems } from '../route.js';

const route = createRoute({
  method: 'get',
  path: '/v1/events',
  operationId: 'listAllEvents',
  tags: ['operations'],
  summary: "The gateway's whole audit trail, oldest first (admin key only)",
  description:
    "Every organization's events (deleted organizations' too) and the gateway's own (`api_key.*`, organization id `\"\"`).",
  ...authorized('admin'),
  request: { query: PageQuery },
  responses: { 200: json(EventList, 'A page of events.'), ...problems(400, ...AUTH_PROBLEMS) },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => c.json(await c.get('deps').events.listAll(c.req.valid('query')), 200)),
);
