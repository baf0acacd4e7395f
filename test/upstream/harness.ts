import type { Connection } from '../../src/core/connection.js';
import { leenProvider } from '../../src/providers/leen/definition.js';
import { startLeenSimulator, type LeenSimulator } from '../../src/providers/leen/simulator/index.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { json, startGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Gateways over Leen simulators for the upstream engine's tests: any number of provider entries
 * (each its own simulator), an upstream clock that moves only when told, organization `acme`
 * linked to every entry.
 */

export const API_KEY = 'test-upstream-key-7c2e';
export const BASE = '/v1/organizations/acme/connections';
/** The Leen paths of one connection and of a connection list. */
export const ONE = '/connections/[^/]+$';
export const LIST = '/connections$';

export interface Upstream {
  id: string;
  sim: LeenSimulator;
  org: string;
}

export interface EngineHarness {
  gw: TestGateway;
  /** The upstream clock (unused with `realClock`). */
  clock: FakeClock;
  upstreams: Upstream[];
  /** The first (or only) upstream. */
  up: Upstream;
  /** Creates a connection through the gateway at provider `id` (the first by default). */
  create(name?: string, id?: string): Promise<Connection>;
  /** Requests the simulator of `up` saw with this method and path pattern. */
  seen(method: string, path: string, up?: Upstream): number;
  /** A sample of `/metrics`, e.g. metric('plugboard_upstream_attempts_total', { outcome: 'connect' }). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

/** `entries`: extra settings of each provider entry (one per simulator); ids are leen-a, leen-b, … */
export async function startEngine(
  entries: Array<Record<string, unknown>> = [{}],
  opts: { realClock?: boolean } = {},
): Promise<EngineHarness> {
  const clock = new FakeClock();
  const upstreams: Upstream[] = [];
  for (const [i] of entries.entries()) {
    const sim = await startLeenSimulator({ apiKey: API_KEY });
    const res = await fetch(`${sim.url}/provisioning/organizations`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Acme' }),
    });
    upstreams.push({
      id: `leen-${String.fromCharCode(97 + i)}`,
      sim,
      org: ((await res.json()) as { id: string }).id,
    });
  }
  const gw = await startGateway({
    definitions: [leenProvider],
    providers: entries.map((extra, i) => ({
      id: upstreams[i]!.id,
      type: 'leen',
      apiKey: API_KEY,
      baseUrl: upstreams[i]!.sim.url,
      ...extra,
    })),
    ...(opts.realClock ? {} : { upstreamClock: clock }),
  });
  const linked = await gw.call('POST', '/v1/organizations', {
    body: { id: 'acme', name: 'Acme', links: Object.fromEntries(upstreams.map((u) => [u.id, u.org])) },
  });
  if (linked.status !== 201) throw new Error(`organization: ${linked.status}`);
  const up = upstreams[0]!;
  return {
    gw,
    clock,
    upstreams,
    up,
    async create(name = 'tenable', id = up.id) {
      const res = await gw.call('POST', BASE, {
        body: { provider: id, kind: 'TENABLE', name, credentials: { client_key: 'ck', secret_key: 'sk' } },
      });
      if (res.status !== 201) throw new Error(`create: ${res.status} ${await res.text()}`);
      return json<Connection>(res);
    },
    seen: (method, path, u = up) => u.sim.kit.count(method, new RegExp(path)),
    async metric(name, labels = {}) {
      const text = await (await fetch(`${gw.url}/metrics`)).text();
      const want = Object.entries(labels);
      let total = 0;
      for (const line of text.split('\n')) {
        const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
        if (!m || m[1] !== name) continue;
        const have = Object.fromEntries(
          [...(m[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]),
        );
        if (want.every(([k, v]) => have[k] === v)) total += Number(m[3]);
      }
      return total;
    },
    async close() {
      await gw.close();
      await Promise.all(upstreams.map((u) => u.sim.close()));
    },
  };
}
