import { createRoute } from '@hono/zod-openapi';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, defineRoute, json, OrgParams, PageQuery, problems } from '../route.js';
import { ConnectSessionList, connectSessionRoute } from './shared.js';

const route = createRoute({
  method: 'get',
  operationId: 'listConnectSessions',
  summary: "List an organization's connect sessions (never their tokens)",
  ...connectSessionRoute(''),
  request: { params: OrgParams, query: PageQuery },
  responses: {
    200: json(ConnectSessionList, 'A page of sessions, by id.'),
    ...problems(400, 404, ...AUTH_PROBLEMS),
  },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) =>
    c.json(
      await c
        .get('deps')
        .connectSessions.list(serviceContext(c), c.req.valid('param').org, c.req.valid('query')),
      200,
    ),
  ),
);
