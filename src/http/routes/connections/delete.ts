import { createRoute } from '@hono/zod-openapi';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, authorized, ConnectionParams, defineRoute, problems, requireConnection, UPSTREAM_PROBLEMS } from '../route.js';
import { IF_MATCH } from './preconditions.js';
import { preconditions } from './respond.js';

const route = createRoute({
  method: 'delete',
  path: '/v1/organizations/{org}/connections/{id}',
  operationId: 'deleteConnection',
  tags: ['connections'],
  summary: 'Delete a connection at its provider',
  ...authorized('connections:write', requireConnection),
  request: { params: ConnectionParams, headers: IF_MATCH },
  responses: {
    204: { description: 'Deleted; its id is never used again.' },
    ...problems(404, 412, ...AUTH_PROBLEMS, ...UPSTREAM_PROBLEMS),
  },
});

export default defineRoute((app) => app.openapi(route, async (c) => {
  const { org, id } = c.req.valid('param');
  await c.get('deps').connections.delete(serviceContext(c), org, id, preconditions(c));
  return c.body(null, 204);
}));
