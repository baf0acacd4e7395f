import { createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Connection } from '../../src/core/connection.js';
import { auth0Provider } from '../../src/providers/auth0/definition.js';
import { DEMO_ORGANIZATION } from '../../src/providers/auth0/fixtures.js';
import { startAuth0Simulator } from '../../src/providers/auth0/simulator/index.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { json, startGateway } from '../helpers/gateway.js';
import { BASE, ONE, startEngine, type EngineHarness } from './harness.js';

/** Retries, their budget, Retry-After, the breaker, the token bucket, timeouts: real HTTP to a Leen simulator, a fake upstream clock. */

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Problem = { code: string; status: number; upstream_status?: number };

/** `n` GETs of one connection, one after another; how many answered 200. */
async function reads(e: EngineHarness, conn: Connection, n: number): Promise<number> {
  let ok = 0;
  for (let i = 0; i < n; i++) if ((await e.gw.call('GET', `${BASE}/${conn.id}`)).status === 200) ok += 1;
  return ok;
}

describe('retries within a budget', () => {
  it('upstream 503 on 10% of reads: ≥ 99% of 1,000 GETs succeed, attempts ≤ 1.2× requests, the breaker stays closed', async () => {
    h = await startEngine();
    const conn = await h.create();
    h.up.sim.kit.fault({ method: 'GET', path: ONE, status: 503, rate: 0.1, seed: 16 });
    const ok = await reads(h, conn, 1000);
    const attempts = h.seen('GET', ONE);
    expect(ok).toBeGreaterThanOrEqual(990);
    expect(attempts).toBeLessThanOrEqual(1200);
    expect(await h.metric('plugboard_upstream_retries_total', { reason: '503' })).toBe(attempts - 1000);
    expect(await h.metric('plugboard_upstream_circuit_state')).toBe(0);
  });

  it('upstream 503 on 30% of reads: retries stay within 20% of requests (plus the small reserve), and every retry is counted', async () => {
    // The breaker is off here: this measures retries alone. (At 30% failures the budget, not the
    // breaker, is what keeps a provider's load from multiplying.)
    h = await startEngine([{ circuitBreaker: { enabled: false } }]);
    const conn = await h.create();
    h.up.sim.kit.fault({ method: 'GET', path: ONE, status: 503, rate: 0.3, seed: 30 });
    const started = h.clock.now();
    const ok = await reads(h, conn, 1000);
    const attempts = h.seen('GET', ONE);
    // The reserve refills 10 retries a second of (fake) time spent waiting between attempts.
    const reserve = 10 + Math.ceil(((h.clock.now() - started) / 1000) * 10);
    expect(attempts - 1000).toBeLessThanOrEqual(200 + reserve);
    expect(await h.metric('plugboard_upstream_retries_total', { reason: '503' })).toBe(attempts - 1000);
    expect(
      await h.metric('plugboard_upstream_retries_total', { reason: 'budget_exhausted' }),
    ).toBeGreaterThan(0);
    // Independent 30% failures with ≤ 1.2 attempts per request: at best 1 - 0.3 × (1 - 0.2 × 0.7 / 0.3) ≈ 84% succeed.
    expect(ok).toBeGreaterThanOrEqual(800);
  });

  it('a 429 with Retry-After: 2 is retried no sooner than 2 s later', async () => {
    h = await startEngine();
    const conn = await h.create();
    h.up.sim.kit.fault({ method: 'GET', path: ONE, status: 429, retryAfterSec: 2, times: 1 });
    expect((await h.gw.call('GET', `${BASE}/${conn.id}`)).status).toBe(200);
    expect(h.seen('GET', ONE)).toBe(2);
    expect(h.clock.waits).toHaveLength(1);
    expect(h.clock.waits[0]).toBeGreaterThanOrEqual(2000);
  });

  it("a 429 asking for longer than the deadline answers 429 at once with the upstream's Retry-After", async () => {
    h = await startEngine([{ deadlineMs: 20_000 }]);
    const conn = await h.create();
    h.up.sim.kit.fault({ method: 'GET', path: ONE, status: 429, retryAfterSec: 30 });
    const res = await h.gw.call('GET', `${BASE}/${conn.id}`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(h.seen('GET', ONE)).toBe(1);
    expect(h.clock.waits).toEqual([]);
  });

  it('a 503 with a Retry-After past the deadline stays a 503 with it (upstream_unavailable)', async () => {
    h = await startEngine();
    const conn = await h.create();
    h.up.sim.kit.fault({ method: 'GET', path: ONE, status: 503, retryAfterSec: 120 });
    const res = await h.gw.call('GET', `${BASE}/${conn.id}`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('120');
    expect(await json<Problem>(res)).toMatchObject({ code: 'upstream_unavailable', upstream_status: 503 });
  });

  it('a POST that may have reached the upstream is never retried: a dropped connection, a timeout, a 503', async () => {
    h = await startEngine([{ timeoutMs: 100 }]);
    const create = () =>
      h!.gw.call('POST', BASE, {
        body: {
          provider: 'leen-a',
          kind: 'TENABLE',
          name: 'x',
          credentials: { client_key: 'ck', secret_key: 'sk' },
        },
      });
    h.up.sim.kit.fault({ method: 'POST', path: '/connections$', drop: true, times: 1 });
    expect((await create()).status).toBe(502);
    expect(h.seen('POST', '/connections$')).toBe(1);
    h.up.sim.kit.fault({ method: 'POST', path: '/connections$', latencyMs: 400, times: 1 });
    expect((await create()).status).toBe(504);
    expect(h.seen('POST', '/connections$')).toBe(2);
    h.up.sim.kit.fault({ method: 'POST', path: '/connections$', status: 503, times: 1 });
    expect((await create()).status).toBe(502);
    expect(h.seen('POST', '/connections$')).toBe(3);
    expect(await h.metric('plugboard_upstream_retries_total')).toBe(0);
  });

  it('a POST that provably never left (connection refused) is sent again', async () => {
    // A port that was free a moment ago and has nobody listening: every connect is refused.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    h = await startEngine([{ baseUrl: `http://127.0.0.1:${port}` }]);
    const res = await h.gw.call('POST', BASE, {
      body: {
        provider: 'leen-a',
        kind: 'TENABLE',
        name: 'x',
        credentials: { client_key: 'ck', secret_key: 'sk' },
      },
    });
    expect(res.status).toBe(502);
    expect(await h.metric('plugboard_upstream_attempts_total', { outcome: 'connect' })).toBe(3);
    expect(await h.metric('plugboard_upstream_retries_total', { reason: 'connect' })).toBe(2);
  });
});

describe('circuit breaker', () => {
  it('opens after ≤ 5 failed calls, then answers 503 with Retry-After without calling; half-opens after openMs and a good probe closes it', async () => {
    h = await startEngine([{ circuitBreaker: { openMs: 30_000 } }]);
    const conn = await h.create();
    h.up.sim.kit.fault({ method: 'GET', path: ONE, status: 500 });
    let failed = 0;
    let res = await h.gw.call('GET', `${BASE}/${conn.id}`);
    while (res.status === 502 && failed < 10) {
      failed += 1;
      res = await h.gw.call('GET', `${BASE}/${conn.id}`);
    }
    expect(failed).toBeLessThanOrEqual(5);
    expect(res.status).toBe(503);
    expect(await json<Problem>(res)).toMatchObject({ code: 'upstream_unavailable' });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);

    const calls = h.seen('GET', ONE);
    const refused = await h.gw.call('GET', `${BASE}/${conn.id}`);
    expect(refused.status).toBe(503);
    expect(h.seen('GET', ONE)).toBe(calls);
    const providers = await json<{ data: Array<{ id: string; state: { circuit: string } }> }>(
      await h.gw.call('GET', '/v1/providers'),
    );
    expect(providers.data[0]?.state.circuit).toBe('open');
    expect(await h.metric('plugboard_upstream_circuit_state', { provider: 'leen-a' })).toBe(2);

    h.up.sim.kit.clearFaults();
    h.clock.advance(30_000);
    expect(
      (await json<{ data: Array<{ state: { circuit: string } }> }>(await h.gw.call('GET', '/v1/providers')))
        .data[0]?.state.circuit,
    ).toBe('half_open');
    expect((await h.gw.call('GET', `${BASE}/${conn.id}`)).status).toBe(200);
    expect(
      (await json<{ data: Array<{ state: { circuit: string } }> }>(await h.gw.call('GET', '/v1/providers')))
        .data[0]?.state.circuit,
    ).toBe('closed');
  });

  it('a failed probe opens it again for another openMs', async () => {
    h = await startEngine([
      { circuitBreaker: { failureThreshold: 2, openMs: 5_000 }, retry: { attempts: 1 } },
    ]);
    const conn = await h.create();
    h.up.sim.kit.fault({ method: 'GET', path: ONE, status: 502 });
    for (let i = 0; i < 2; i++) expect((await h.gw.call('GET', `${BASE}/${conn.id}`)).status).toBe(502);
    expect((await h.gw.call('GET', `${BASE}/${conn.id}`)).status).toBe(503);
    h.clock.advance(5_000);
    expect((await h.gw.call('GET', `${BASE}/${conn.id}`)).status).toBe(502); // the probe
    const calls = h.seen('GET', ONE);
    const res = await h.gw.call('GET', `${BASE}/${conn.id}`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(h.seen('GET', ONE)).toBe(calls);
  });

  it('4xx answers never open it', async () => {
    h = await startEngine([{ circuitBreaker: { failureThreshold: 2 } }]);
    const conn = await h.create();
    h.up.sim.kit.fault({ method: 'GET', path: ONE, status: 404 });
    for (let i = 0; i < 5; i++) await h.gw.call('GET', `${BASE}/${conn.id}`);
    expect(await h.metric('plugboard_upstream_circuit_state')).toBe(0);
  });
});

describe('token bucket', () => {
  it('over the configured rate the gateway answers 429 itself, without calling the provider', async () => {
    h = await startEngine([{ rateLimit: { requestsPerSecond: 2, burst: 2 } }]);
    const conn = await h.create(); // takes one token
    h.clock.advance(1000);
    const calls = h.seen('GET', ONE);
    expect((await h.gw.call('GET', `${BASE}/${conn.id}`)).status).toBe(200);
    expect((await h.gw.call('GET', `${BASE}/${conn.id}`)).status).toBe(200);
    const res = await h.gw.call('GET', `${BASE}/${conn.id}`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await json<Problem>(res)).toMatchObject({ code: 'rate_limited' });
    expect(h.seen('GET', ONE)).toBe(calls + 2);
    h.clock.advance(500);
    expect((await h.gw.call('GET', `${BASE}/${conn.id}`)).status).toBe(200);
  });
});

describe('timeouts and disconnects', () => {
  it('a stalled upstream: 504 within the deadline, 100 times, and no socket left open', async () => {
    // Real time here: the deadline is what bounds each call. The breaker is off: this is about timeouts and sockets.
    h = await startEngine([{ timeoutMs: 100, deadlineMs: 150, circuitBreaker: { enabled: false } }], {
      realClock: true,
    });
    // Ten connections read at once, ten times: identical reads would share one upstream call.
    const conns: Connection[] = [];
    for (let i = 0; i < 10; i++) conns.push(await h.create(`c${i}`));
    h.up.sim.kit.fault({ method: 'GET', path: ONE, stall: true });
    for (let batch = 0; batch < 10; batch++) {
      const answers = await Promise.all(conns.map((conn) => h!.gw.call('GET', `${BASE}/${conn.id}`)));
      for (const a of answers)
        expect(await json<Problem>(a)).toMatchObject({ status: 504, code: 'upstream_timeout' });
    }
    const { total } = h.up.sim.kit.stalls();
    // Each call fits its attempts into the deadline: at most ⌈150 / 100⌉ = 2.
    expect(total).toBeGreaterThanOrEqual(100);
    expect(total).toBeLessThanOrEqual(200);
    await vi.waitFor(() => expect(h!.up.sim.kit.stalls().open).toBe(0));
  });

  it('a caller that disconnects abandons its upstream call', async () => {
    h = await startEngine([{ timeoutMs: 60_000 }]);
    const conn = await h.create();
    h.up.sim.kit.fault({ method: 'GET', path: ONE, stall: true, times: 1 });
    const caller = new AbortController();
    const pending = fetch(`${h.gw.url}${BASE}/${conn.id}`, {
      headers: { authorization: 'Bearer test-admin-key-0123456789' },
      signal: caller.signal,
    }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(h!.up.sim.kit.stalls().open).toBe(1));
    caller.abort();
    expect(await pending).toBeInstanceOf(Error);
    await vi.waitFor(() => expect(h!.up.sim.kit.stalls().open).toBe(0));
    await vi.waitFor(() => expect(h!.gw.logs.lines.some((l) => l.includes('"status":499'))).toBe(true));
    expect(await h.metric('plugboard_upstream_attempts_total', { outcome: 'caller_gone' })).toBe(1);
  });
});

describe('circuit breaker and credentials', () => {
  it('a token fetched while the circuit is half-open is the probe: the call that needed it then goes through', async () => {
    const sim = await startAuth0Simulator({
      domain: 'breaker.tenant.local',
      seedDemo: true,
      clients: [{ clientId: 'breaker-client', clientSecret: 'breaker-secret' }],
    });
    const clock = new FakeClock();
    const gw = await startGateway({
      definitions: [auth0Provider],
      upstreamClock: clock,
      providers: [
        {
          id: 'auth0',
          type: 'auth0',
          domain: sim.domain,
          clientId: 'breaker-client',
          clientSecret: 'breaker-secret',
          baseUrl: sim.url,
          retry: { attempts: 1 },
          circuitBreaker: { failureThreshold: 1, openMs: 5_000 },
        },
      ],
    });
    try {
      expect(
        (
          await gw.call('POST', '/v1/organizations', {
            body: { id: 'acme', name: 'Acme', links: { auth0: DEMO_ORGANIZATION.id } },
          })
        ).status,
      ).toBe(201);
      // The token endpoint fails: the circuit opens before the gateway ever held a token.
      sim.kit.fault({ method: 'POST', path: '/oauth/token$', status: 500, times: 1 });
      expect((await gw.call('GET', '/v1/organizations/acme/connections')).status).toBe(502);
      expect((await gw.call('GET', '/v1/organizations/acme/connections')).status).toBe(503);
      clock.advance(5_000);
      const res = await gw.call('GET', '/v1/organizations/acme/connections');
      expect(res.status).toBe(200);
      expect(
        (await json<{ data: Array<{ state: { circuit: string } }> }>(await gw.call('GET', '/v1/providers')))
          .data[0]?.state.circuit,
      ).toBe('closed');
    } finally {
      await gw.close();
      await sim.close();
    }
  });
});
