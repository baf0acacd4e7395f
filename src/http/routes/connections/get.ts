import { createRoute } from '@hono/zod-openapi';
import { etagMatches } from '../../../core/etag.js';
import { answer } from '../../answer.js';
import { Connection } from '../../openapi/schemas.js';
import { serviceContext } from '../../request.js';
import {
  AUTH_PROBLEMS,
  ConnectionParams,
  defineRoute,
  ETAG_HEADER,
  json,
  problems,
  UPSTREAM_PROBLEMS,
} from '../route.js';
import { answerVersioned, connectionRoute } from './shared.js';

const route = createRoute({
  method: 'get',
  operationId: 'getConnection',
  summary: 'Read a connection (fresh from its provider)',
  ...connectionRoute('connections:read', ''),
  request: { params: ConnectionParams },
  responses: {
    200: { ...json(Connection, 'The connection.'), headers: ETAG_HEADER },
    304: { description: 'Not modified: `If-None-Match` matched the current ETag.', headers: ETAG_HEADER },
    ...problems(404, ...AUTH_PROBLEMS, ...UPSTREAM_PROBLEMS),
  },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    const { org, id } = c.req.valid('param');
    const v = await c.get('deps').connections.get(serviceContext(c), org, id);
    const ifNoneMatch = c.req.header('if-none-match');
    if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, v.etag))
      return answer(c, 304, null, { etag: v.etag });
    return answerVersioned(c, v, 200);
  }),
);
