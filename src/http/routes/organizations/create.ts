import { IDEMPOTENCY_KEY, idempotent } from '../../middleware/idempotency.js';
import { createRoute } from '@hono/zod-openapi';
import { CreateOrganizationBody } from '../../../core/services/organizations.js';
import { Organization } from '../../openapi/schemas.js';
import { serviceContext } from '../../request.js';
import { AUTH_PROBLEMS, authorized, BODY_PROBLEMS, defineRoute, json, problems } from '../route.js';

const route = createRoute({
  method: 'post',
  path: '/v1/organizations',
  operationId: 'createOrganization',
  tags: ['organizations'],
  summary: 'Create an organization (a tenant) linked to its organizations at the providers',
  ...authorized('organizations:write', idempotent),
  request: {
    headers: IDEMPOTENCY_KEY,
    body: { required: true, content: { 'application/json': { schema: CreateOrganizationBody } } },
  },
  responses: {
    201: {
      ...json(Organization, 'The created organization.'),
      headers: { Location: { description: 'Its URL.', schema: { type: 'string' } } },
    },
    ...problems(...BODY_PROBLEMS, 403, 409, 422, ...AUTH_PROBLEMS),
  },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    const org = await c.get('deps').organizations.create(serviceContext(c), c.req.valid('json'));
    c.header('location', `/v1/organizations/${encodeURIComponent(org.id)}`);
    return c.json(org, 201);
  }),
);
