import { createRoute } from '@hono/zod-openapi';
import { TestResult } from '../../openapi/schemas.js';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, ConnectionParams, defineRoute, json, problems, UPSTREAM_PROBLEMS } from '../route.js';
import { connectionRoute } from './shared.js';

const route = createRoute({
  method: 'post',
  operationId: 'testConnection',
  summary: "Run the provider's credential test",
  ...connectionRoute('connections:read', '/test'),
  request: { params: ConnectionParams },
  responses: {
    200: json(TestResult, 'What the provider said of the credentials.'),
    ...problems(404, ...AUTH_PROBLEMS, ...UPSTREAM_PROBLEMS),
  },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    const { org, id } = c.req.valid('param');
    return c.json(await c.get('deps').connections.test(serviceContext(c), org, id), 200);
  }),
);
