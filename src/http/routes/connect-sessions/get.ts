import { createRoute } from '@hono/zod-openapi';
import { ConnectSession } from '../../../core/services/connect-session-schemas.js';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, defineRoute, json, problems } from '../route.js';
import { ConnectSessionParams, connectSessionRoute } from './shared.js';

const route = createRoute({
  method: 'get',
  operationId: 'getConnectSession',
  summary: 'Read a connect session: pending, completed (with its connection), expired or revoked',
  ...connectSessionRoute('/{id}'),
  request: { params: ConnectSessionParams },
  responses: { 200: json(ConnectSession, 'The session.'), ...problems(404, ...AUTH_PROBLEMS) },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    const { org, id } = c.req.valid('param');
    return c.json(await c.get('deps').connectSessions.get(serviceContext(c), org, id), 200);
  }),
);
