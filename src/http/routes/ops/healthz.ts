import { createRoute } from '@hono/zod-openapi';
import { HealthStatus } from '../../openapi/schemas.js';
import { ANY_PROBLEMS, defineRoute, json, problems } from '../route.js';

const route = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'health',
  tags: ['operations'],
  security: [],
  summary: 'Liveness: 200 while the process lives',
  responses: { 200: json(HealthStatus, 'Alive.'), ...problems(...ANY_PROBLEMS) },
});

export default defineRoute((app) => app.openapi(route, (c) => c.json({ status: 'ok' as const }, 200)));
