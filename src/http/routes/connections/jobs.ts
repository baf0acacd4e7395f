import { createRoute } from '@hono/zod-openapi';
import { JobList } from '../../openapi/schemas.js';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, authorized, ConnectionParams, defineRoute, json, PageQuery, problems, requireConnection, UPSTREAM_PROBLEMS } from '../route.js';

const route = createRoute({
  method: 'get',
  path: '/v1/organizations/{org}/connections/{id}/jobs',
  operationId: 'listConnectionJobs',
  tags: ['connections'],
  summary: 'List the provider\'s sync jobs of a connection',
  ...authorized('connections:read', requireConnection),
  request: { params: ConnectionParams, query: PageQuery },
  responses: {
    200: json(JobList, 'A page of jobs.'),
    ...problems(400, 404, ...AUTH_PROBLEMS, ...UPSTREAM_PROBLEMS),
  },
});

export default defineRoute((app) => app.openapi(route, async (c) => {
  const { org, id } = c.req.valid('param');
  return c.json(await c.get('deps').connections.jobs(serviceContext(c), org, id, c.req.valid('query')), 200);
}));
