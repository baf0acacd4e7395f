import { IDEMPOTENCY_KEY, idempotent } from '../../middleware/idempotency.js';
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

/** JSON Merge Patch (RFC 7396) of name, status, settings, credentials; the checks per provider run once the connection is found. */
export default defineRoute((app, deps) => {
  const schema = deps.changeConnectionBody;
  const route = createRoute({
    method: 'patch',
    operationId: 'patchConnection',
    summary: 'Change a connection (JSON Merge Patch)',
    description:
      'Fields the provider cannot change are 422 `unsupported_change` before any upstream call. `If-Match` guards the write.',
    ...connectionRoute('connections:write', '', idempotent),
    request: {
      params: ConnectionParams,
      headers: IF_MATCH.extend(IDEMPOTENCY_KEY.shape),
      body: {
        required: true,
        content: { 'application/merge-patch+json': { schema }, 'application/json': { schema } },
      },
    },
    responses: {
      200: { ...json(Connection, 'The changed connection.'), headers: ETAG_HEADER },
      ...problems(...BODY_PROBLEMS, 404, 409, 412, ...AUTH_PROBLEMS, ...UPSTREAM_PROBLEMS),
    },
  });
  app.openapi(route, async (c) => {
    const { org, id } = c.req.valid('param');
    return answerVersioned(
      c,
      await c
        .get('deps')
        .connections.patch(serviceContext(c), org, id, c.req.valid('json'), preconditions(c)),
      200,
    );
  });
});
