import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Connection } from '../../src/core/connection.js';
import { json, walkList } from '../helpers/gateway.js';
import { BASE, LIST, startEngine, type EngineHarness } from './harness.js';

/** A connection list across providers (contract §6): asked concurrently, walked exactly once, partial when one fails. */

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Page = {
  data: Connection[];
  next_cursor: string | null;
  incomplete?: boolean;
  errors?: Array<{ provider: string; code: string }>;
};

/** Three providers holding 4, 7 and 0 connections. */
async function threeProviders(
  extra: Record<string, unknown> = {},
): Promise<{ e: EngineHarness; ids: string[] }> {
  const e = await startEngine([extra, extra, extra]);
  const ids: string[] = [];
  for (const [n, up] of [
    [4, e.upstreams[0]!],
    [7, e.upstreams[1]!],
  ] as const) {
    for (let i = 0; i < n; i++) ids.push((await e.create(`${up.id}-${i}`, up.id)).id);
  }
  return { e, ids };
}

describe('lists across providers', () => {
  it.each([1, 2, 3, 5, 11, 50])(
    'limit %i: every connection exactly once, pages never over the limit',
    async (limit) => {
      const { e, ids } = await threeProviders();
      h = e;
      const seen = (await walkList<Connection>(e.gw, BASE, limit)).map((c) => c.id);
      expect(seen.sort()).toEqual([...ids].sort());
    },
  );

  it('asks the providers concurrently: all three are called while the first has not answered', async () => {
    const { e } = await threeProviders({ timeoutMs: 60_000 });
    h = e;
    const [a, b, c] = e.upstreams as [
      (typeof e.upstreams)[0],
      (typeof e.upstreams)[0],
      (typeof e.upstreams)[0],
    ];
    a.sim.kit.fault({ method: 'GET', path: LIST, stall: true, times: 1 });
    const page = e.gw.call('GET', `${BASE}?limit=30`);
    await vi.waitFor(() => {
      expect(a.sim.kit.stalls().open).toBe(1);
      expect(e.seen('GET', LIST, b)).toBe(1);
      expect(e.seen('GET', LIST, c)).toBe(1);
    });
    // Let the stalled call go: the retry of that read is answered.
    a.sim.kit.releaseStalls();
    const body = await json<Page>(await page);
    expect(body.data).toHaveLength(11);
    expect(body.incomplete).toBeUndefined();
  });

  it("one provider failing: 200 with the others' connections, incomplete and errors; strict turns it into the error", async () => {
    const { e } = await threeProviders();
    h = e;
    e.upstreams[1]!.sim.kit.fault({ method: 'GET', path: LIST, status: 500 });
    const body = await json<Page>(await e.gw.call('GET', `${BASE}?limit=50`));
    expect(body.data.map((c) => c.provider)).toEqual(Array(4).fill('leen-a'));
    expect(body).toMatchObject({
      incomplete: true,
      errors: [{ provider: 'leen-b', code: 'upstream_error' }],
      next_cursor: null,
    });
    const strict = await e.gw.call('GET', `${BASE}?limit=50&strict=true`);
    expect(strict.status).toBe(502);
    expect(await json(strict)).toMatchObject({ code: 'upstream_error', provider: 'leen-b' });
  });

  it('every provider failing is an error, not an empty 200', async () => {
    const { e } = await threeProviders({ circuitBreaker: { enabled: false } });
    h = e;
    for (const up of e.upstreams) up.sim.kit.fault({ method: 'GET', path: LIST, status: 500 });
    const res = await e.gw.call('GET', BASE);
    expect(res.status).toBe(502);
    expect(await json(res)).toMatchObject({ code: 'upstream_error' });
  });

  it('a provider unlinked in the middle of a walk has nothing more to give; the walk still ends', async () => {
    const { e } = await threeProviders();
    h = e;
    const first = await json<Page>(await e.gw.call('GET', `${BASE}?limit=4`));
    expect(first.data).toHaveLength(4);
    expect(
      (await e.gw.call('PATCH', '/v1/organizations/acme', { body: { links: { 'leen-b': null } } })).status,
    ).toBe(200);
    const rest = await json<Page>(
      await e.gw.call('GET', `${BASE}?limit=50&cursor=${encodeURIComponent(first.next_cursor as string)}`),
    );
    expect(rest.data.every((c) => c.provider === 'leen-a')).toBe(true);
    expect(rest.next_cursor).toBeNull();
  });
});
