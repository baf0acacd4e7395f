import type { CallContext, ConnectionRef, PatchModelAdapter } from '../../../src/core/adapter.js';
import type { UpstreamConnection } from '../../../src/core/connection.js';
import { leenProvider } from '../../../src/providers/leen/definition.js';
import { startLeenSimulator, type LeenSimulator } from '../../../src/providers/leen/simulator/index.js';
import { asPatch, buildAdapter } from '../../helpers/adapters.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

export const API_KEY = 'test-leen-api-key-5b1d';
export const ctx: CallContext = { requestId: 'req-leen-test' };

export interface LeenHarness {
  sim: LeenSimulator;
  adapter: PatchModelAdapter;
  lines: string[];
  close(): Promise<void>;
}

/** `onramp`: the entry's `onrampUrl` is the simulator's OnRamp page (as the simulator's providerConfig sets it). */
export async function startHarness(
  extra: { retry?: { attempts: number }; onramp?: boolean } = {},
): Promise<LeenHarness> {
  const sim = await startLeenSimulator({ apiKey: API_KEY });
  const { adapter, logs } = buildAdapter(leenProvider, {
    id: 'leen',
    type: 'leen',
    apiKey: API_KEY,
    baseUrl: sim.url,
    retry: extra.retry ?? { attempts: 1 },
    ...(extra.onramp ? { onrampUrl: `${sim.url}/onramp` } : {}),
  });
  return { sim, adapter: asPatch(adapter), lines: logs.lines, close: () => sim.close() };
}

/** Plain-fetch call to the simulator with the right key (`apiKey` null: none), and any `extraHeaders`. */
export async function leenFetch(
  sim: { url: string },
  method: string,
  path: string,
  body?: unknown,
  apiKey: string | null = API_KEY,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...extraHeaders };
  if (apiKey !== null) headers['x-api-key'] = apiKey;
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
}

export async function createOrg(sim: { url: string }, name: string): Promise<string> {
  const res = await leenFetch(sim, 'POST', '/provisioning/organizations', { name });
  if (res.status !== 200) throw new Error(`org create failed: ${res.status}`);
  return (res.body as { id: string }).id;
}

export function refOf(orgId: string, conn: UpstreamConnection): ConnectionRef {
  return {
    connectionId: `cn_${conn.external_id}`,
    externalOrgId: orgId,
    externalId: conn.external_id,
    kind: conn.kind,
  };
}

/** A gateway with one `leen` provider on a fresh simulator, and organization `acme` linked to a simulated organization. */
export interface LeenGatewayHarness {
  sim: LeenSimulator;
  gw: TestGateway;
  leenOrg: string;
  /** `/v1/organizations/acme/connections` */
  base: string;
  /** Upstream writes (POST/PATCH/DELETE) the simulator has seen so far. */
  writes(): number;
  /** The last request the simulator saw with this method, its body parsed. */
  lastBody(method: string): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startLeenGateway(): Promise<LeenGatewayHarness> {
  const sim = await startLeenSimulator({ apiKey: API_KEY });
  const leenOrg = await createOrg(sim, 'Acme');
  const gw = await startGateway({
    definitions: [leenProvider],
    providers: [{ id: 'leen', type: 'leen', apiKey: API_KEY, baseUrl: sim.url, retry: { attempts: 1 } }],
  });
  const res = await gw.call('POST', '/v1/organizations', {
    body: { id: 'acme', name: 'Acme', links: { leen: leenOrg } },
  });
  if (res.status !== 201) throw new Error(`organization create failed: ${res.status}`);
  return {
    sim,
    gw,
    leenOrg,
    base: '/v1/organizations/acme/connections',
    writes: () => sim.kit.requests.filter((r) => r.method !== 'GET').length,
    lastBody: (method) =>
      JSON.parse(sim.kit.requests.filter((r) => r.method === method).at(-1)?.body ?? '{}') as Record<
        string,
        unknown
      >,
    close: async () => {
      await gw.close();
      await sim.close();
    },
  };
}
