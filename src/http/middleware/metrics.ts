import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Registry } from 'prom-client';
import { HotCounter, HotHistogram } from '../../hot-metrics.js';
import type { AppEnv } from '../env.js';

/**
 * Request metrics (prom-client), registered on the injected registry: requests by route template
 * and status, and a latency histogram. Labels are the route template (`/v1/organizations/:org`),
 * never a path with ids in it; a request no route takes is `unmatched`.
 */
export function requestMetrics(registry: Registry): MiddlewareHandler<AppEnv> {
  const requests = new HotCounter({
    name: 'plugboard_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new HotHistogram({
    name: 'plugboard_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route template.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return async (c, next) => {
    const started = performance.now();
    await next();
    const template = routePath(c, -1);
    const route = template.includes('*') ? 'unmatched' : template;
    const method = c.req.method;
    requests.labels(method, route, String(c.res.status)).inc();
    duration.labels(method, route).observe((performance.now() - started) / 1000);
  };
}
