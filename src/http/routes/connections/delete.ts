import { createRoute } from '@hono/zod-openapi';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, ConnectionParams, defineRoute, problems, UPSTREAM_PROBLEMS } from '../route.js';
import { connectionRoute, IF_MATCH, preconditions } from './shared.js';

const route = createRoute({
  method: 'delete',
  operationId: 'deleteConnection',
  summary: 'Delete a connection at its provider',
  ...connectionRoute('connections:write', ''),
  request: { params: ConnectionParams, headers: IF_MATCH },
  responses: {
    204: { description: 'Deleted; its id is never used again.' },
    ...problems(404, 412, ...AUTH_PROBLEMS, ...UPSTREAM_PROBLEMS),
  },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    const { org, id } = c.req.valid('param');
    await c.get('deps').connections.delete(serviceContext(c), org, id, preconditions(c));
    return c.body(null, 204);
  }),
);
