import { createRoute } from '@hono/zod-openapi';
import { JobList } from '../../openapi/schemas.js';
import { serviceContext } from '../../request.js';
import {
  AUTH_PROBLEMS,
  ConnectionParams,
  defineRoute,
  json,
  PageQuery,
  problems,
  UPSTREAM_PROBLEMS,
} from '../route.js';
import { connectionRoute } from './shared.js';

const route = createRoute({
  method: 'get',
  operationId: 'listConnectionJobs',
  summary: "List the provider's sync jobs of a connection",
  ...connectionRoute('connections:read', '/jobs'),
  request: { params: ConnectionParams, query: PageQuery },
  responses: {
    200: json(JobList, 'A page of jobs.'),
    ...problems(400, 404, ...AUTH_PROBLEMS, ...UPSTREAM_PROBLEMS),
  },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    const { org, id } = c.req.valid('param');
    return c.json(
      await c.get('deps').connections.jobs(serviceContext(c), org, id, c.req.valid('query')),
      200,
    );
  }),
);
