import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { ConnectionStatus, HealthStatus } from '../../../core/connection.js';
import { ConnectionList } from '../../openapi/schemas.js';
import { serviceContext } from '../../request.js';
import {
  AUTH_PROBLEMS,
  authorized,
  defineRoute,
  json,
  OrgParams,
  PageQuery,
  problems,
  requireOrganization,
  UPSTREAM_PROBLEMS,
} from '../route.js';

const route = createRoute({
  method: 'get',
  path: '/v1/organizations/{org}/connections',
  operationId: 'listConnections',
  tags: ['connections'],
  summary: "List an organization's connections across its linked providers",
  ...authorized('connections:read', requireOrganization),
  request: {
    params: OrgParams,
    query: PageQuery.extend({
      provider: z.string().min(1).optional().describe('Only this provider id.'),
      status: ConnectionStatus.optional().describe('Only connections in this status.'),
      health: HealthStatus.optional().describe('Only connections whose health is this (e.g. `unhealthy`).'),
      strict: z
        .enum(['true', 'false'])
        .transform((v) => v === 'true')
        .optional()
        .describe('true: a failing provider fails the list instead of `incomplete`.'),
    }),
  },
  responses: {
    200: json(ConnectionList, 'A page of connections.'),
    ...problems(400, 404, ...AUTH_PROBLEMS, ...UPSTREAM_PROBLEMS),
  },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    const { org } = c.req.valid('param');
    return c.json(await c.get('deps').connections.list(serviceContext(c), org, c.req.valid('query')), 200);
  }),
);
