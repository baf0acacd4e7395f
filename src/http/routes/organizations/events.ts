import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { EventList } from '../../openapi/schemas.js';
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
} from '../route.js';

const route = createRoute({
  method: 'get',
  path: '/v1/organizations/{org}/events',
  operationId: 'listEvents',
  tags: ['organizations'],
  summary: "List an organization's audit events, oldest first",
  ...authorized('organizations:read', requireOrganization),
  request: {
    params: OrgParams,
    query: PageQuery.extend({
      after: z
        .string()
        .min(1)
        .optional()
        .describe('Alias of `cursor`: an event id; the list starts after it.'),
    }),
  },
  responses: { 200: json(EventList, 'A page of events.'), ...problems(400, 404, ...AUTH_PROBLEMS) },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    return c.json(
      await c.get('deps').events.list(serviceContext(c), c.req.valid('param').org, c.req.valid('query')),
      200,
    );
  }),
);
