import { afterEach, describe, expect, it, vi } from 'vitest';
import { startLeenSimulator, type LeenSimulator } from '../../src/providers/leen/simulator/index.js';
import { API_KEY } from './harness.js';

/** The simulators' one fault-injection surface, over HTTP as a user of `npm run simulate` drives it. */

let sim: LeenSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const control = (method: string, body?: unknown) =>
  fetch(`${sim!.url}/__sim/faults`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
const orgs = () => fetch(`${sim!.url}/provisioning/organizations`, { headers: { 'x-api-key': API_KEY } });

async function statuses(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await orgs()).status);
  return out;
}

describe('fault injection', () => {
  it('a failure rate is drawn from a seeded generator: the same seed fails the same requests', async () => {
    sim = await startLeenSimulator({ apiKey: API_KEY });
    expect((await control('POST', { path: '^/provisioning', status: 503, rate: 0.3, seed: 7 })).status).toBe(
      201,
    );
    const first = await statuses(200);
    const failed = first.filter((s) => s === 503).length;
    expect(failed).toBeGreaterThan(30);
    expect(failed).toBeLessThan(90);
    await control('DELETE');
    await control('POST', { path: '^/provisioning', status: 503, rate: 0.3, seed: 7 });
    expect(await statuses(200)).toEqual(first);
  });

  it('GET /__sim/faults shows the rules in force, how often each applied and what is left', async () => {
    sim = await startLeenSimulator({ apiKey: API_KEY });
    await control('POST', {
      method: 'GET',
      status: 429,
      retryAfterSec: 2,
      headers: { 'x-ratelimit-reset': '123' },
      times: 2,
    });
    const limited = await orgs();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('x-ratelimit-reset')).toBe('123');
    const body = (await (await control('GET')).json()) as {
      faults: Array<Record<string, unknown>>;
      stalls: { total: number; open: number };
    };
    expect(body.faults).toEqual([
      {
        method: 'GET',
        status: 429,
        retryAfterSec: 2,
        headers: { 'x-ratelimit-reset': '123' },
        times: 2,
        applied: 1,
        remaining: 1,
      },
    ]);
    expect(body.stalls).toEqual({ total: 0, open: 0 });
    expect((await control('POST', { status: 99 })).status).toBe(400);
  });

  it('a stall holds the request until the client gives up; the count of open stalls falls back to 0', async () => {
    sim = await startLeenSimulator({ apiKey: API_KEY });
    await control('POST', { stall: true, times: 1 });
    const giveUp = new AbortController();
    const pending = fetch(`${sim.url}/provisioning/organizations`, {
      headers: { 'x-api-key': API_KEY },
      signal: giveUp.signal,
    }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(sim!.kit.stalls()).toEqual({ total: 1, open: 1 }));
    giveUp.abort();
    expect(await pending).toBeInstanceOf(Error);
    await vi.waitFor(() => expect(sim!.kit.stalls()).toEqual({ total: 1, open: 0 }));
    expect((await orgs()).status).toBe(200);
  });

  it('latency delays the answer; drop closes the connection without one', async () => {
    sim = await startLeenSimulator({ apiKey: API_KEY });
    await control('POST', { drop: true, times: 1 });
    await expect(orgs()).rejects.toThrow();
    await control('POST', { latencyMs: 1, times: 1 });
    expect((await orgs()).status).toBe(200);
  });
});
