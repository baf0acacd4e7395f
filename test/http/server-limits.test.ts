import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Connection } from '../../src/core/connection.js';
import { connectionsCheckingInterval, listen, type Listening } from '../../src/net.js';
import type { SimulatorSetup } from '../../src/providers/definition.js';
import { leenProvider } from '../../src/providers/leen/definition.js';
import { ADMIN_KEY, json, startGateway, type TestGateway } from '../helpers/gateway.js';
import { parseAnswer, slowClient, type SlowExchange } from '../helpers/raw-http.js';

/**
 * The server's limits (net.ts), with short values so nothing waits long: a slow client (headers or
 * body dripped a byte at a time) is cut within its timeout and answered 408 `request_timeout`,
 * while everyone else is served; an idle keep-alive socket is closed; a request whose body has
 * arrived is not cut however long the gateway then takes; past `maxConnections`, new sockets are
 * closed. Every wait is on an observable event (a socket's close), never a fixed sleep.
 */

// The keep-alive timeout stays at its default here: above the test's own fetch client's (undici,
// 4 s), so the client, not the server, closes its idle sockets, and no request races a closing one.
const LIMITS = { headersTimeoutMs: 300, requestTimeoutMs: 600 };
const KEEP_ALIVE_MS = 300;
/** Slack for a loaded 2-core machine: the cut comes within the timeout plus the checking interval; "within seconds" is what matters. */
const SLACK_MS = 3_000;
/** Node adds a second to the keep-alive timeout before it closes an idle socket (its header advertises the timeout itself). */
const KEEP_ALIVE_BUFFER_MS = 1_000;

type Problem = { status: number; code: string; request_id: string | null };

let sim: SimulatorSetup;
let gw: TestGateway;
let connection: Connection;
beforeAll(async () => {
  sim = await leenProvider.startSimulator({});
  gw = await startGateway({
    definitions: [leenProvider],
    providers: [{ id: 'leen', type: 'leen', ...sim.providerConfig }],
    server: LIMITS,
  });
  expect(
    (
      await gw.call('POST', '/v1/organizations', {
        body: { id: 'acme', name: 'Acme', links: { leen: sim.demoExternalOrgId } },
      })
    ).status,
  ).toBe(201);
  const created = await gw.call('POST', '/v1/organizations/acme/connections', {
    body: {
      provider: 'leen',
      kind: 'TENABLE',
      name: 't',
      credentials: { client_key: 'ck', secret_key: 'sk' },
    },
  });
  expect(created.status).toBe(201);
  connection = await json<Connection>(created);
});
afterAll(async () => {
  await gw?.close();
  await sim?.close();
});

function expect408(x: SlowExchange): void {
  const answer = parseAnswer(x.received);
  expect(answer.status, x.received).toBe(408);
  expect(x.received).toMatch(/content-type: application\/problem\+json/i);
  expect(answer.body).toMatchObject({
    status: 408,
    code: 'request_timeout',
    title: 'Request timeout',
  } satisfies Partial<Problem> & { title: string });
}

describe('server limits', () => {
  it('checks timeouts often enough: a quarter of the shorter limit, between 10 ms and 1 s', () => {
    expect(connectionsCheckingInterval(LIMITS)).toBe(75);
    expect(connectionsCheckingInterval({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 })).toBe(1_000);
    expect(connectionsCheckingInterval({ headersTimeoutMs: 20, requestTimeoutMs: 20 })).toBe(10);
  });

  it('slow headers and slow bodies (a byte every 100 ms) are cut within their timeouts with 408 request_timeout, while other requests are served', async () => {
    const slowHeaders = Array.from({ length: 25 }, () =>
      slowClient(gw.url, 'GET /v1/organizations/acme HTTP/1.1\r\nHost: gateway\r\nX-Slow: ', { drip: 'abc' }),
    );
    const slowBodies = Array.from({ length: 25 }, () =>
      slowClient(
        gw.url,
        `POST /v1/organizations HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${ADMIN_KEY}\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{"name":"`,
        { drip: 'a' },
      ),
    );
    const slow = [...slowHeaders, ...slowBodies];
    let open = slow.length;
    for (const s of slow)
      void s.then(() => {
        open -= 1;
      });

    // Meanwhile, other callers: reads, a write and an upstream call, one after another until every slow socket is gone.
    const served: number[] = [];
    let n = 0;
    while (open > 0) {
      n += 1;
      served.push((await gw.call('GET', '/v1/organizations/acme')).status);
      served.push(
        (await gw.call('POST', '/v1/organizations', { body: { id: `served-${n}`, name: 'Served' } })).status,
      );
      served.push((await gw.call('GET', `/v1/organizations/acme/connections/${connection.id}`)).status);
    }
    const headers = await Promise.all(slowHeaders);
    const bodies = await Promise.all(slowBodies);

    expect(served.length).toBeGreaterThanOrEqual(3);
    expect(new Set(served)).toEqual(new Set([200, 201]));
    for (const x of headers) {
      expect(x.closedAfterMs).toBeGreaterThanOrEqual(LIMITS.headersTimeoutMs - 50);
      expect(x.closedAfterMs).toBeLessThan(LIMITS.headersTimeoutMs + SLACK_MS);
      expect408(x);
    }
    for (const x of bodies) {
      expect(x.closedAfterMs).toBeGreaterThanOrEqual(LIMITS.requestTimeoutMs - 50);
      expect(x.closedAfterMs).toBeLessThan(LIMITS.requestTimeoutMs + SLACK_MS);
      expect408(x);
    }

    // Each slow body had reached its route: it is logged and counted as 408, never 499 or 500.
    const lines = await vi.waitFor(
      () => {
        const found = gw.logs
          .parsed()
          .filter((l) => l['msg'] === 'request' && l['method'] === 'POST' && l['status'] === 408);
        if (found.length < bodies.length)
          throw new Error(`${found.length} of ${bodies.length} slow bodies logged`);
        return found;
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(lines).toHaveLength(bodies.length);
    expect(gw.logs.parsed().filter((l) => l['msg'] === 'request timed out')).toHaveLength(bodies.length);
    expect(
      gw.logs.parsed().filter((l) => l['msg'] === 'request' && [499, 500].includes(l['status'] as number)),
    ).toEqual([]);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toContain(
      `plugboard_http_requests_total{method="POST",route="/v1/organizations",status="408"} ${bodies.length}`,
    );
    expect(metrics).not.toMatch(/plugboard_http_requests_total\{[^}]*status="5\d\d"\}/);
  });

  it('a socket that sends nothing at all is cut by the headers timeout', async () => {
    const idle = await slowClient(gw.url, '', { drip: '' });
    expect(idle.closedAfterMs).toBeGreaterThanOrEqual(LIMITS.headersTimeoutMs - 50);
    expect(idle.closedAfterMs).toBeLessThan(LIMITS.headersTimeoutMs + SLACK_MS);
  });

  it('an idle keep-alive socket is closed after the keep-alive timeout', async () => {
    // A bare server: only this raw socket is ever open to it.
    const bare = await listen(() => new Response('ok'), { limits: { keepAliveTimeoutMs: KEEP_ALIVE_MS } });
    try {
      const x = await slowClient(bare.url, 'GET / HTTP/1.1\r\nHost: s\r\n\r\n', { drip: '' });
      expect(parseAnswer(x.received).status).toBe(200);
      expect(x.closedAfterMs).toBeGreaterThanOrEqual(KEEP_ALIVE_MS - 50);
      expect(x.closedAfterMs).toBeLessThan(KEEP_ALIVE_MS + KEEP_ALIVE_BUFFER_MS + SLACK_MS);
    } finally {
      await bare.close(100);
    }
  });

  it('a request whose body arrived in time is not cut while the gateway waits on a slow upstream', async () => {
    const wait = 4 * LIMITS.requestTimeoutMs;
    await fetch(`${sim.url}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'GET', path: 'connections/[^/]+$', latencyMs: wait, times: 1 }),
    });
    const started = performance.now();
    const res = await gw.call('GET', `/v1/organizations/acme/connections/${connection.id}`);
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(wait - 50);
  });
});

describe('maxConnections', () => {
  let server: Listening;
  const MAX = 3;
  beforeAll(async () => {
    // A bare server (no fetch client of the test keeps sockets to it), with long timeouts.
    server = await listen(() => new Response('ok'), {
      limits: { maxConnections: MAX, keepAliveTimeoutMs: 60_000 },
    });
  });
  afterAll(async () => {
    await server?.close(100);
  });

  /** A socket that got an answer to one request and is kept open, or null when the server closed it unanswered. */
  function kept(): Promise<Socket | null> {
    return new Promise((resolve) => {
      const url = new URL(server.url);
      let received = '';
      const socket = connect(Number(url.port), url.hostname, () =>
        socket.write('GET / HTTP/1.1\r\nHost: s\r\n\r\n'),
      );
      socket.on('data', (d: Buffer) => {
        received += d.toString();
        if (received.endsWith('ok')) resolve(socket);
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(null));
    });
  }

  it(`serves ${MAX} sockets at once, closes more as they arrive, and serves again once one is gone`, async () => {
    const held: Socket[] = [];
    for (let i = 0; i < MAX; i += 1) held.push((await kept()) as Socket);
    expect(held.every((s) => s !== null)).toBe(true);
    expect(await kept()).toBeNull();
    expect(await kept()).toBeNull();
    held.pop()?.destroy();
    // The server frees the slot when it sees the close: a new socket is served then.
    const again = await vi.waitFor(
      async () => {
        const s = await kept();
        if (!s) throw new Error('still full');
        return s;
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(again).not.toBeNull();
    for (const s of [...held, again]) s.destroy();
  });
});
