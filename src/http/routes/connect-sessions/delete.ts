import { createRoute } from '@hono/zod-openapi';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, defineRoute, problems } from '../route.js';
import { ConnectSessionParams, connectSessionRoute } from './shared.js';

const route = createRoute({
  method: 'delete',
  operationId: 'revokeConnectSession',
  summary: 'Revoke a connect session: its page stops working at once',
  ...connectSessionRoute('/{id}'),
  request: { params: ConnectSessionParams },
  responses: {
    204: { description: 'Revoked (a session already completed, expired or revoked stays as it is).' },
    ...problems(404, ...AUTH_PROBLEMS),
  },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    const { org, id } = c.req.valid('param');
    await c.get('deps').connectSessions.revoke(serviceContext(c), org, id);
    return c.body(null, 204);
  }),
);
