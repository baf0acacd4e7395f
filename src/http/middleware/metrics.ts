import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { AppEnv } from '../env.js';

/**
 * Request metrics (prom-client), registered on the injected registry: requests by route template
 * and status, and a latency histogram. Labels are the route template (`/v1/organizations/:org`),
 * never a path with ids in it; a request no route takes is `unmatched`.
 */
export function requestMetrics(registry: Registry): MiddlewareHandler<AppEnv> {
  const requests = new Counter({
    name: 'plugboard_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'plugboard_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route template.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // The children of each label set, bound once (the set is small: methods × route templates ×
  // statuses): an observation is then an add, not a hash of a label object per request.
  const bound = new Map<string, { count: { inc(): void }; time: { observe(v: number): void } }>();
  const childrenOf = (method: string, route: string, status: number) => {
    const key = `${method} ${status} ${route}`;
    let b = bound.get(key);
    if (!b) {
      b = {
        count: requests.labels(method, route, String(status)),
        time: duration.labels(method, route),
      };
      bound.set(key, b);
    }
    return b;
  };
  return async (c, next) => {
    const started = performance.now();
    await next();
    const template = routePath(c, -1);
    const b = childrenOf(c.req.method, template.includes('*') ? 'unmatched' : template, c.res.status);
    b.count.inc();
    b.time.observe((performance.now() - started) / 1000);
  };
}
