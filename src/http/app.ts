import { Hono } from 'hono';
import type { AppDeps, AppEnv } from './env.js';
import { authenticate } from './middleware/auth.js';
import { limitBody } from './middleware/body-limit.js';
import { requestScope } from './middleware/request-scope.js';
import { notFound, onError } from './problem.js';
import { publicRoutes, v1Routes } from './routes/index.js';

/** Builds the gateway's Hono app from injected dependencies. No module state: two apps never share anything. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  app.use('*', requestScope());
  app.onError(onError);
  app.notFound(notFound);
  for (const r of publicRoutes) app.on(r.method.toUpperCase(), r.path, r.handler);
  app.use('/v1/*', authenticate(), limitBody());
  for (const r of v1Routes) app.on(r.method.toUpperCase(), r.path, r.handler);
  return app;
}
