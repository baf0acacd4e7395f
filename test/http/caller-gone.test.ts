import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SimulatorSetup } from '../../src/providers/definition.js';
import { leenProvider } from '../../src/providers/leen/definition.js';
import { ADMIN_KEY, startGateway, type TestGateway } from '../helpers/gateway.js';
import { hangUpMidBody } from '../helpers/raw-http.js';

/**
 * A client that hangs up half-way through its request body is a caller that went away: logged
 * with status 499 ("caller went away"), counted as 499 in the metrics, never an unhandled error, a
 * 500 or a 400, whichever route and framing (Content-Length or chunked) it used.
 */

let sim: SimulatorSetup;
let gw: TestGateway;
beforeAll(async () => {
  sim = await leenProvider.startSimulator({});
  gw = await startGateway({
    definitions: [leenProvider],
    providers: [{ id: 'leen', type: 'leen', ...sim.providerConfig }],
  });
  expect(
    (
      await gw.call('POST', '/v1/organizations', {
        body: { id: 'acme', name: 'Acme', links: { leen: sim.demoExternalOrgId } },
      })
    ).status,
  ).toBe(201);
});
afterAll(async () => {
  await gw?.close();
  await sim?.close();
});

type Line = Record<string, unknown>;

/** The access-log line of the request to `path` with `method` whose request id is not in `before`. */
async function requestLine(method: string, path: string, before: Set<unknown>): Promise<Line> {
  return vi.waitFor(
    () => {
      const line = gw.logs
        .parsed()
        .find(
          (l) =>
            l['msg'] === 'request' &&
            l['method'] === method &&
            l['path'] === path &&
            !before.has(l['request_id']),
        );
      if (!line) throw new Error(`no request line yet for ${method} ${path}`);
      return line;
    },
    { timeout: 5_000, interval: 20 },
  );
}

/** plugboard_http_requests_total samples as `method route status` → count. */
async function requestCounts(): Promise<Map<string, number>> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const m of text.matchAll(
    /^plugboard_http_requests_total\{method="([^"]+)",route="([^"]+)",status="(\d+)"\} (\d+)$/gm,
  )) {
    counts.set(`${m[1]} ${m[2]} ${m[3]}`, Number(m[4]));
  }
  return counts;
}

const ROUTES: Array<{ method: string; path: string; route: string; type: string; body: string }> = [
  {
    method: 'POST',
    path: '/v1/organizations',
    route: '/v1/organizations',
    type: 'application/json',
    body: JSON.stringify({ id: 'never', name: 'Never arrives' }),
  },
  {
    method: 'PATCH',
    path: '/v1/organizations/acme',
    route: '/v1/organizations/:org',
    type: 'application/merge-patch+json',
    body: JSON.stringify({ name: 'Never arrives either' }),
  },
  {
    method: 'POST',
    path: '/v1/organizations/acme/connections',
    route: '/v1/organizations/:org/connections',
    type: 'application/json',
    body: JSON.stringify({
      provider: 'leen',
      kind: 'TENABLE',
      name: 'half',
      credentials: { client_key: 'ck', secret_key: 'sk' },
    }),
  },
];

describe('a client that hangs up mid-body', () => {
  it.each(
    ROUTES.flatMap((r) => [
      { ...r, framing: 'content-length' },
      { ...r, framing: 'chunked' },
    ]),
  )(
    '$method $path ($framing): logged as a caller that went away (499), never a 500',
    async ({ method, path, route, type, body, framing }) => {
      const before = new Set(gw.logs.parsed().map((l) => l['request_id']));
      const countsBefore = await requestCounts();
      const half = body.slice(0, Math.floor(body.length / 2));
      const head =
        `${method} ${path} HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${ADMIN_KEY}\r\nContent-Type: ${type}\r\n` +
        (framing === 'chunked'
          ? 'Transfer-Encoding: chunked\r\n\r\n'
          : `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
      await hangUpMidBody(
        gw.url,
        head,
        framing === 'chunked' ? `${Buffer.byteLength(half).toString(16)}\r\n${half}\r\n` : half,
      );

      const line = await requestLine(method, path, before);
      expect(line['status']).toBe(499);
      const mine = gw.logs.parsed().filter((l) => l['request_id'] === line['request_id']);
      expect(mine.map((l) => l['msg'])).toContain('caller went away');
      // Never an error-level line (an unhandled error, an internal error) for it, and nothing upstream.
      expect(mine.filter((l) => (l['level'] as number) >= 50)).toEqual([]);
      expect(gw.logs.text()).not.toContain('unhandled error');

      const counts = await requestCounts();
      expect(
        (counts.get(`${method} ${route} 499`) ?? 0) - (countsBefore.get(`${method} ${route} 499`) ?? 0),
      ).toBe(1);
      for (const status of ['500', '400'])
        expect(counts.get(`${method} ${route} ${status}`) ?? 0, status).toBe(
          countsBefore.get(`${method} ${route} ${status}`) ?? 0,
        );
    },
  );

  it('nothing was created or changed, and the gateway serves the next caller', async () => {
    expect((await gw.call('GET', '/v1/organizations/never')).status).toBe(404);
    expect(((await (await gw.call('GET', '/v1/organizations/acme')).json()) as { name: string }).name).toBe(
      'Acme',
    );
    expect(sim.requests().filter((r) => r.method === 'POST')).toEqual([]);
    const counts = await requestCounts();
    expect([...counts.keys()].filter((k) => k.endsWith(' 500'))).toEqual([]);
  });
});
