import { createRoute } from '@hono/zod-openapi';
import { HealthStatus } from '../../openapi/schemas.js';
import { requestLog } from '../../request.js';
import { ANY_PROBLEMS, defineRoute, json, problems } from '../route.js';

const route = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'ready',
  tags: ['operations'],
  security: [],
  summary: 'Readiness: 200 when storage answers, else 503',
  responses: {
    200: json(HealthStatus, 'Ready.'),
    503: json(HealthStatus, 'Storage does not answer.'),
    ...problems(...ANY_PROBLEMS),
  },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    try {
      await c.get('deps').ready();
      return c.json({ status: 'ready' as const }, 200);
    } catch (err) {
      requestLog(c).warn({ err }, 'not ready');
      return c.json({ status: 'unavailable' as const }, 503);
    }
  }),
);
