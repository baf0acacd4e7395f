import { RegExpRouter } from 'hono/router/reg-exp-router';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.close());

// Hono's SmartRouter takes the RegExpRouter (one regular expression per method) unless a route
// cannot be written in it (a `:param` beside fixed paths at the same level, a pattern), and then
// falls back to the TrieRouter for every route: a measured share of every request's cost.
it('every route of the gateway and its connect page fits the RegExpRouter', async () => {
  const router = new RegExpRouter<number>();
  for (const r of gw.gateway.app.routes) router.add(r.method, r.path, 0);
  expect(() => router.match('GET', '/v1/organizations/o/connections/c')).not.toThrow();
  expect((await gw.call('GET', '/healthz')).status).toBe(200);
  expect((gw.gateway.app as unknown as { router: { name: string } }).router.name).toBe(
    'SmartRouter + RegExpRouter',
  );
});
