import { createRoute } from '@hono/zod-openapi';
import { Connection } from '../../openapi/schemas.js';
import { serviceContext } from '../../request.js';
import {
  AUTH_PROBLEMS,
  BODY_PROBLEMS,
  ConnectionParams,
  defineRoute,
  ETAG_HEADER,
  json,
  problems,
  UPSTREAM_PROBLEMS,
} from '../route.js';
import { answerVersioned, connectionRoute, IF_MATCH, preconditions } from './shared.js';

/** Full replacement of the writable fields (`credentials` may be left out: the current ones stay). */
export default defineRoute((app, deps) => {
  const route = createRoute({
    method: 'put',
    operationId: 'replaceConnection',
    summary: "Replace a connection's writable fields",
    description:
      'Needs `name` where it is writable, `status` where a status is writable and `settings` where the provider has settings (see GET /v1/providers).',
    ...connectionRoute('connections:write', ''),
    request: {
      params: ConnectionParams,
      headers: IF_MATCH,
      body: { required: true, content: { 'application/json': { schema: deps.changeConnectionBody } } },
    },
    responses: {
      200: { ...json(Connection, 'The connection as replaced.'), headers: ETAG_HEADER },
      ...problems(...BODY_PROBLEMS, 404, 409, 412, ...AUTH_PROBLEMS, ...UPSTREAM_PROBLEMS),
    },
  });
  app.openapi(route, async (c) => {
    const { org, id } = c.req.valid('param');
    return answerVersioned(
      c,
      await c
        .get('deps')
        .connections.replace(serviceContext(c), org, id, c.req.valid('json'), preconditions(c)),
      200,
    );
  });
});
