import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from './env.js';
import { authenticate } from './middleware/auth.js';
import { limitBody } from './middleware/body-limit.js';
import { requestMetrics } from './middleware/metrics.js';
import { requestScope } from './middleware/request-scope.js';
import { registerConnectPageDocument } from './openapi/connect-page.js';
import { openApiDocument, registerDocument } from './openapi/document.js';
import { methodNotAllowed, onError } from './problem.js';
import { publicRoutes, v1Routes } from './routes/index.js';
import { validationHook } from './validation.js';

/**
 * Builds the gateway's Hono app from injected dependencies. No module state: two apps never share
 * anything. Every route is declared with its OpenAPI schemas; `/openapi.json` is generated from them.
 */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('*', requestScope(deps));
  app.use('*', requestMetrics(deps.metrics));
  app.onError(onError);
  for (const r of publicRoutes) r.register(app, deps);
  app.use('/v1/*', authenticate(), limitBody());
  for (const r of v1Routes) r.register(app, deps);

  registerDocument(app);
  registerConnectPageDocument(app);
  // Generated on first use, not at start: start-up and idle memory stay small.
  let document: ReturnType<typeof openApiDocument> | undefined;
  const describe = () => (document ??= openApiDocument(app));
  app.get('/openapi.json', (c) => c.json(describe()));
  app.notFound(methodNotAllowed(app));
  return app;
}
