import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { ANY_PROBLEMS, defineRoute, problems } from '../route.js';

const route = createRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'metrics',
  tags: ['operations'],
  summary: 'Prometheus metrics: requests by route and status, latency, the Node process',
  security: [],
  responses: {
    200: {
      description: 'Prometheus text exposition format.',
      content: { 'text/plain': { schema: z.string() } },
    },
    ...problems(...ANY_PROBLEMS),
  },
});

export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    const registry = c.get('deps').metrics;
    return c.text(await registry.metrics(), 200, { 'content-type': registry.contentType });
  }),
);
