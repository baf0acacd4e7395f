import { createRoute } from '@hono/zod-openapi';
import {
  CreateConnectSessionBody,
  CreatedConnectSession,
} from '../../../core/services/connect-session-schemas.js';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, BODY_PROBLEMS, defineRoute, json, OrgParams, problems } from '../route.js';
import { connectSessionRoute } from './shared.js';

const route = createRoute({
  method: 'post',
  operationId: 'createConnectSession',
  summary:
    'Open a connect session: a short-lived link to the hosted page where an end user connects an account',
  description:
    'The answer holds the `pbcs_` token and the page `url`, this once. The end user opens `url`, picks what to connect among `allowed`, enters the credentials (or consents at the provider), and is sent to `return_url` with `?connect_session=…&status=success&connection_id=…` (or `status=cancelled` / `status=error&error=<code>`).',
  ...connectSessionRoute(''),
  request: {
    params: OrgParams,
    body: { required: true, content: { 'application/json': { schema: CreateConnectSessionBody } } },
  },
  responses: {
    201: json(CreatedConnectSession, 'The session, with its token and link shown this once.'),
    ...problems(...BODY_PROBLEMS, 404, 422, ...AUTH_PROBLEMS, 429, 502, 504),
  },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    const { org } = c.req.valid('param');
    const created = await c
      .get('deps')
      .connectSessions.create(serviceContext(c), org, c.req.valid('json'), new URL(c.req.url).origin);
    c.header('cache-control', 'no-store');
    c.header('location', `/v1/organizations/${org}/connect-sessions/${created.id}`);
    return c.json(created, 201);
  }),
);
