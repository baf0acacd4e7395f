import { createRoute } from '@hono/zod-openapi';
import { serviceContext } from '../../request.js';
import {
  AUTH_PROBLEMS,
  authorized,
  defineRoute,
  OrgParams,
  problems,
  requireOrganization,
} from '../route.js';

const route = createRoute({
  method: 'delete',
  path: '/v1/organizations/{org}',
  operationId: 'deleteOrganization',
  tags: ['organizations'],
  summary: "Delete the gateway's record of an organization (nothing upstream)",
  description:
    "In one transaction: its connections' sealed credentials are deleted, their ids retired for good, and an `organization.deleted` event recorded. Its events are kept but no longer listed; an organization created later with the same id starts afresh.",
  ...authorized('organizations:write', requireOrganization),
  request: { params: OrgParams },
  responses: { 204: { description: 'Deleted.' }, ...problems(404, ...AUTH_PROBLEMS) },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    await c.get('deps').organizations.delete(serviceContext(c), c.req.valid('param').org);
    return c.body(null, 204);
  }),
);
