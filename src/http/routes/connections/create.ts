import { IDEMPOTENCY_KEY, idempotent } from '../../middleware/idempotency.js';
import { createRoute } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { GatewayError } from '../../../core/errors.js';
import { Connection } from '../../openapi/schemas.js';
import { serviceContext } from '../../request.js';
import type { AppEnv } from '../../env.js';
import {
  AUTH_PROBLEMS,
  authorized,
  BODY_PROBLEMS,
  defineRoute,
  ETAG_HEADER,
  json,
  OrgParams,
  problems,
  requireOrganization,
  UPSTREAM_PROBLEMS,
} from '../route.js';
import { answerVersioned } from './shared.js';

/**
 * A field the chosen provider entry cannot set at all: 422 `unsupported_change`, ahead of other
 * problems with the body.
 */
const refuseUnsupported: MiddlewareHandler<AppEnv> = async (c, next) => {
  // Another media type is the validator's 415; JSON is parsed once here and reused by the validator.
  const json = /^application\/json\b/i.test(c.req.header('content-type') ?? '');
  const body: unknown = json ? await c.req.json().catch(() => undefined) : undefined;
  const unsupported = c.get('deps').createConnectionBody.unsupported(body);
  if (unsupported.length > 0)
    throw new GatewayError('unsupported_change', 'The provider cannot set these fields.', {
      errors: unsupported,
    });
  await next();
};

/**
 * The body is the union of the configured provider entries' create schemas (built at start), so
 * the document shows exactly what this gateway accepts.
 */
export default defineRoute((app, deps) => {
  const rules = deps.createConnectionBody;
  const route = createRoute({
    method: 'post',
    path: '/v1/organizations/{org}/connections',
    operationId: 'createConnection',
    tags: ['connections'],
    summary: "Create a connection at one of the organization's providers",
    ...authorized('connections:write', requireOrganization, idempotent, refuseUnsupported),
    request: {
      params: OrgParams,
      headers: IDEMPOTENCY_KEY,
      body: { required: true, content: { 'application/json': { schema: rules.schema } } },
    },
    responses: {
      201: {
        ...json(Connection, 'The created connection.'),
        headers: {
          ...ETAG_HEADER,
          Location: { description: "The connection's URL.", schema: { type: 'string' } },
        },
      },
      ...problems(...BODY_PROBLEMS, 404, 409, ...AUTH_PROBLEMS, ...UPSTREAM_PROBLEMS),
    },
  });
  app.openapi(route, async (c) => {
    const { org } = c.req.valid('param');
    const created = await c.get('deps').connections.create(serviceContext(c), org, c.req.valid('json'));
    return answerVersioned(c, created, 201, {
      location: `/v1/organizations/${encodeURIComponent(org)}/connections/${created.connection.id}`,
    });
  });
});
