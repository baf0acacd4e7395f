import { describe, expect, it } from 'vitest';
import type { CallContext } from '../../../src/core/adapter.js';
import type { CachedAnswer } from '../../../src/upstream/policy.js';
import { readThrough } from '../../../src/upstream/read.js';
import { CTX, scriptedPolicy } from './fake-transport.js';

const answer = (n: number): CachedAnswer => ({
  response: { status: 200, headers: { get: () => null }, text: String(n) },
  body: n,
});

describe('readThrough: cache and coalescing of GETs', () => {
  it('serves from the cache within its TTL, and a fresh read always asks the provider', async () => {
    const { policy, clock } = scriptedPolicy([], { cacheTtlMs: 1_000 });
    let fetched = 0;
    const fetch = () => Promise.resolve(answer((fetched += 1)));
    expect((await readThrough(policy, CTX, '/a', fetch)).body).toBe(1);
    expect((await readThrough(policy, CTX, '/a', fetch)).body).toBe(1);
    expect((await readThrough(policy, { ...CTX, fresh: true }, '/a', fetch)).body).toBe(2);
    clock.advance(1_000);
    expect((await readThrough(policy, CTX, '/a', fetch)).body).toBe(3);
  });

  it('shares one call among identical reads in flight, but not across a write', async () => {
    const { policy, registry } = scriptedPolicy([]);
    const started: Array<(a: CachedAnswer) => void> = [];
    const fetch = (_ctx: CallContext) =>
      new Promise<CachedAnswer>((r) => {
        started.push(r);
      });
    const a = readThrough(policy, CTX, '/a', fetch);
    const b = readThrough(policy, CTX, '/a', fetch);
    policy.wrote('/a');
    const c = readThrough(policy, CTX, '/a', fetch);
    expect(started).toHaveLength(2);
    started[0]?.(answer(1));
    started[1]?.(answer(2));
    expect([(await a).body, (await b).body, (await c).body]).toEqual([1, 1, 2]);
    expect(await registry.getSingleMetricAsString('plugboard_upstream_coalesced_total')).toContain(
      '{provider="p1"} 1',
    );
  });

  it('does not store a read that started before a write', async () => {
    const { policy } = scriptedPolicy([], { cacheTtlMs: 60_000 });
    let release!: (a: CachedAnswer) => void;
    const slow = readThrough(
      policy,
      CTX,
      '/a/1',
      () =>
        new Promise<CachedAnswer>((r) => {
          release = r;
        }),
    );
    policy.wrote('/a');
    release(answer(1));
    await slow;
    let fetched = false;
    await readThrough(policy, CTX, '/a/1', () => {
      fetched = true;
      return Promise.resolve(answer(2));
    });
    expect(fetched).toBe(true);
  });
});
