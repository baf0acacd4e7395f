import { IDEMPOTENCY_KEY, idempotent } from '../../middleware/idempotency.js';
import { createRoute } from '@hono/zod-openapi';
import { PatchOrganizationBody } from '../../../core/services/organizations.js';
import { Organization } from '../../openapi/schemas.js';
import { serviceContext } from '../../request.js';
import {
  AUTH_PROBLEMS,
  authorized,
  BODY_PROBLEMS,
  defineRoute,
  json,
  OrgParams,
  problems,
  requireOrganization,
} from '../route.js';

const route = createRoute({
  method: 'patch',
  path: '/v1/organizations/{org}',
  operationId: 'patchOrganization',
  tags: ['organizations'],
  summary: "Change an organization's name or links (JSON Merge Patch)",
  ...authorized('organizations:write', requireOrganization, idempotent),
  request: {
    params: OrgParams,
    headers: IDEMPOTENCY_KEY,
    body: {
      required: true,
      content: {
        'application/merge-patch+json': { schema: PatchOrganizationBody },
        'application/json': { schema: PatchOrganizationBody },
      },
    },
  },
  responses: {
    200: json(Organization, 'The organization.'),
    ...problems(...BODY_PROBLEMS, 404, 409, 422, ...AUTH_PROBLEMS),
  },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    return c.json(
      await c
        .get('deps')
        .organizations.patch(serviceContext(c), c.req.valid('param').org, c.req.valid('json')),
      200,
    );
  }),
);
