import { createRoute } from '@hono/zod-openapi';
import { Organization } from '../../openapi/schemas.js';
import { serviceContext } from '../../request.js';
import {
  AUTH_PROBLEMS,
  authorized,
  defineRoute,
  json,
  OrgParams,
  problems,
  requireOrganization,
} from '../route.js';

const route = createRoute({
  method: 'get',
  path: '/v1/organizations/{org}',
  operationId: 'getOrganization',
  tags: ['organizations'],
  summary: 'Read an organization',
  ...authorized('organizations:read', requireOrganization),
  request: { params: OrgParams },
  responses: { 200: json(Organization, 'The organization.'), ...problems(404, ...AUTH_PROBLEMS) },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) =>
    c.json(await c.get('deps').organizations.get(serviceContext(c), c.req.valid('param').org), 200),
  ),
);
