import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshTraceparent, isValidTraceparent } from '../../src/http/traceparent.js';
import { BASE, startEngine, type EngineHarness } from '../upstream/harness.js';

/**
 * `traceparent` (W3C Trace Context) goes upstream with every call of a request: as the caller sent
 * it when valid, a fresh random one when malformed, none when absent. Checked on what the Leen
 * simulators actually received.
 */

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const VALID = [
  `00-${TRACE}-${PARENT}-01`,
  `00-${TRACE}-${PARENT}-00`,
  // A higher version: parsed as 00 on its first 55 characters, then the end or a dash (§3.2.4).
  `cc-${TRACE}-${PARENT}-01`,
  `cc-${TRACE}-${PARENT}-01-what-the-future-holds`,
];
const MALFORMED = [
  '',
  'garbage',
  `00-${TRACE.toUpperCase()}-${PARENT}-01`, // uppercase hex
  `00-${TRACE}-${PARENT.toUpperCase()}-01`,
  `ff-${TRACE}-${PARENT}-01`, // version ff is invalid
  `00-${TRACE}-${PARENT}-01-extra`, // version 00 is exactly 55 characters
  `00-${TRACE}-${PARENT}-1`,
  `00-${TRACE.slice(1)}-${PARENT}-01`,
  `00-${'0'.repeat(32)}-${PARENT}-01`, // all-zero trace id
  `00-${TRACE}-${'0'.repeat(16)}-01`, // all-zero parent id
  `00-${TRACE}-${PARENT}-zz`,
  `00_${TRACE}_${PARENT}_01`,
  `0-${TRACE}-${PARENT}-01`,
  `cc-${TRACE}-${PARENT}-01x`, // a higher version continues with a dash, or ends
  `00-${TRACE}-${PARENT}-01, 00-${TRACE}-${PARENT}-01`, // two headers, joined
];

describe('traceparent format (unit)', () => {
  it('accepts W3C traceparents and refuses malformed ones', () => {
    for (const v of VALID) expect(isValidTraceparent(v), v).toBe(true);
    for (const v of MALFORMED) expect(isValidTraceparent(v), v).toBe(false);
  });
  it('fresh ones are valid version 00, random, not sampled', () => {
    const a = freshTraceparent();
    expect(a).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(isValidTraceparent(a)).toBe(true);
    expect(freshTraceparent()).not.toBe(a);
  });
});

describe('traceparent sent upstream (through the Leen simulators)', () => {
  let e: EngineHarness;
  beforeAll(async () => {
    e = await startEngine([{}, {}], { realClock: true });
  });
  afterAll(async () => {
    await e?.close();
  });

  /** The traceparent each simulator saw on the last request of a list sent with `headers`. */
  async function seenOnList(headers: Record<string, string>): Promise<Array<string | undefined>> {
    for (const u of e.upstreams) u.sim.kit.resetRequests();
    const res = await e.gw.call('GET', BASE, { headers });
    expect(res.status).toBe(200);
    return e.upstreams.map((u) => {
      const seen = u.sim.kit.requests.filter((r) => r.method === 'GET');
      expect(seen).toHaveLength(1);
      return seen[0]?.headers['traceparent'];
    });
  }

  it('a valid traceparent is passed on verbatim', async () => {
    for (const v of VALID) expect(await seenOnList({ traceparent: v })).toEqual([v, v]);
  });

  it('a malformed traceparent is replaced by a fresh valid one: a new trace id and parent id, the same for every call of the request', async () => {
    const seen = new Set<string>();
    for (const v of MALFORMED) {
      const [a, b] = await seenOnList({ traceparent: v });
      expect(a, JSON.stringify(v)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
      expect(isValidTraceparent(a as string)).toBe(true);
      expect(a).not.toContain(TRACE);
      expect(a).not.toContain(PARENT);
      // Both providers of this request's list got the same context.
      expect(b).toBe(a);
      seen.add(a as string);
    }
    // A new one per request.
    expect(seen.size).toBe(MALFORMED.length);
  });

  it('a missing traceparent stays missing', async () => {
    expect(await seenOnList({})).toEqual([undefined, undefined]);
  });
});
