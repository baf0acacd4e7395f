import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { UpstreamConnection } from '../../../src/core/connection.js';
import { secret } from '../../../src/core/secret.js';
import { APP_IDS } from '../../../src/providers/versori/fixtures.js';
import { addOrganisation } from '../../../src/providers/versori/simulator/state.js';
import { startHarness, type Harness } from './harness.js';
import { SwitchboardSpec } from './spec.js';

/**
 * Listing behind the adapter's own cursor, against an upstream that pages (`first`/`after`/`next`)
 * and one that answers every item at once (what the spec says Switchboard does today).
 */

let spec: SwitchboardSpec;
let h: Harness;
const TOTAL = 7;
let ids: string[] = [];

beforeAll(async () => {
  spec = await SwitchboardSpec.load();
  h = await startHarness(spec);
  const kinds = [APP_IDS.apiKey, APP_IDS.invalidConfig, APP_IDS.apiKey];
  for (let i = 0; i < TOTAL; i += 1) {
    const kind = kinds[i % kinds.length] as string;
    const c = await h.adapter.create(
      h.ctx,
      h.orgId,
      { kind, name: `c${i}` },
      secret({ type: 'api_key', api_key: `key-${i}` }),
    );
    ids.push(c.external_id);
  }
  ids = [...ids].sort();
});

afterEach(() => {
  h.sim.behaviour.ignorePaging = false;
  expect(h.specProblems()).toEqual([]);
});

afterAll(async () => {
  await h?.close();
});

async function walk(
  limits: (page: number) => number,
  orgId = h.orgId,
): Promise<{ pages: UpstreamConnection[][]; calls: number }> {
  const before = h.sim.kit.count('GET', /\/connections$/);
  const pages: UpstreamConnection[][] = [];
  let cursor: string | undefined;
  for (let n = 0; n < 100; n += 1) {
    const limit = limits(n);
    const page = await h.adapter.list(h.ctx, orgId, { limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    pages.push(page.items);
    if (page.nextCursor === null) return { pages, calls: h.sim.kit.count('GET', /\/connections$/) - before };
    expect(page.items.length).toBeGreaterThan(0);
    cursor = page.nextCursor;
  }
  throw new Error('the walk did not end');
}

for (const mode of ['paged', 'all items'] as const) {
  describe(`upstream ${mode}`, () => {
    for (const limit of [1, 2, 3, TOTAL, 50]) {
      it(`walks every item exactly once with limit ${limit}`, async () => {
        h.sim.behaviour.ignorePaging = mode === 'all items';
        const { pages, calls } = await walk(() => limit);
        const seen = pages.flat().map((c) => c.external_id);
        expect(seen).toEqual(ids);
        expect(pages.length).toBe(Math.max(1, Math.ceil(TOTAL / limit)));
        // One upstream call per page in either mode: `first` is the page size asked for.
        expect(calls).toBe(pages.length);
        const firstAsked = new URLSearchParams(
          h.sim.kit.requests.filter((r) => r.method === 'GET').at(-1)?.query ?? '',
        ).get('first');
        expect(Number(firstAsked)).toBeLessThanOrEqual(limit);
      });
    }

    it('keeps its place when the page size changes between calls (as the gateway asks for what is left)', async () => {
      h.sim.behaviour.ignorePaging = mode === 'all items';
      const sizes = [2, 1, 3, 1, 5];
      const { pages } = await walk((n) => sizes[n] ?? 2);
      expect(pages.flat().map((c) => c.external_id)).toEqual(ids);
    });

    it('misses nothing and repeats nothing when the last returned item is deleted mid-walk', async () => {
      h.sim.behaviour.ignorePaging = mode === 'all items';
      const first = await h.adapter.list(h.ctx, h.orgId, { limit: 3, cursor: undefined });
      const victim = first.items.at(-1);
      if (!victim || first.nextCursor === null) throw new Error('expected a full first page');
      const stored = structuredClone(h.sim.state.organisations[h.orgId]?.connections[victim.external_id]);
      delete h.sim.state.organisations[h.orgId]?.connections[victim.external_id];
      try {
        const rest: string[] = [];
        let cursor: string | null = first.nextCursor;
        while (cursor !== null) {
          const page = await h.adapter.list(h.ctx, h.orgId, { limit: 2, cursor });
          rest.push(...page.items.map((c) => c.external_id));
          cursor = page.nextCursor;
        }
        expect([...first.items.map((c) => c.external_id), ...rest]).toEqual(ids);
      } finally {
        const org = h.sim.state.organisations[h.orgId];
        if (org && stored) org.connections[stored.id] = stored;
      }
    });

    it('maps listed items like get does', async () => {
      h.sim.behaviour.ignorePaging = mode === 'all items';
      const page = await h.adapter.list(h.ctx, h.orgId, { limit: 50, cursor: undefined });
      const unhealthy = page.items.filter((c) => c.kind === APP_IDS.invalidConfig);
      expect(unhealthy.length).toBeGreaterThan(0);
      for (const c of unhealthy) expect(c.health.status).toBe('unhealthy');
      for (const c of page.items.filter((x) => x.kind === APP_IDS.apiKey)) {
        expect(c).toMatchObject({
          status: 'active',
          health: { status: 'unknown' },
          credentials: { configured: true, type: null },
        });
      }
    });
  });
}

it('an organisation without connections lists nothing, in one call', async () => {
  addOrganisation(h.sim.state, 'org-empty');
  const { pages, calls } = await walk(() => 10, 'org-empty');
  expect(pages).toEqual([[]]);
  expect(calls).toBe(1);
});

it('a cursor that is not its own is refused as a validation error', async () => {
  await expect(h.adapter.list(h.ctx, h.orgId, { limit: 2, cursor: 'not-a-cursor' })).rejects.toMatchObject({
    code: 'validation_failed',
  });
});
