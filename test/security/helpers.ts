import { leenProvider } from '../../src/providers/leen/definition.js';
import { startLeenSimulator, type LeenSimulator } from '../../src/providers/leen/simulator/index.js';
import { json, startGateway, type TestGateway } from '../helpers/gateway.js';

export const LEEN_KEY = 'test-security-leen-key';

/** A gateway over a Leen simulator with organizations `acme` and `globex`, one connection each. */
export interface Tenants {
  gw: TestGateway;
  sim: LeenSimulator;
  /** Connection ids by organization. */
  conn: { acme: string; globex: string };
  /** Makes an API key with the admin key; returns the key. */
  key(body: { organization_ids: string[]; scopes: string[]; name?: string }): Promise<string>;
  /** A call with this key instead of the admin key. */
  as(key: string, method: string, path: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

export async function startTenants(): Promise<Tenants> {
  const sim = await startLeenSimulator({ apiKey: LEEN_KEY });
  const upstreamOrg = async (name: string) =>
    (
      (await (
        await fetch(`${sim.url}/provisioning/organizations`, {
          method: 'POST',
          headers: { 'x-api-key': LEEN_KEY, 'content-type': 'application/json' },
          body: JSON.stringify({ name }),
        })
      ).json()) as { id: string }
    ).id;
  const gw = await startGateway({
    definitions: [leenProvider],
    providers: [{ id: 'leen', type: 'leen', apiKey: LEEN_KEY, baseUrl: sim.url, retry: { attempts: 1 } }],
  });
  const conn = { acme: '', globex: '' };
  for (const org of ['acme', 'globex'] as const) {
    const created = await gw.call('POST', '/v1/organizations', {
      body: { id: org, name: org, links: { leen: await upstreamOrg(org) } },
    });
    if (created.status !== 201) throw new Error(`org ${org}: ${created.status}`);
    const c = await gw.call('POST', `/v1/organizations/${org}/connections`, {
      body: {
        provider: 'leen',
        kind: 'TENABLE',
        name: `${org}-secret-name`,
        credentials: { client_key: 'ck', secret_key: 'sk' },
      },
    });
    if (c.status !== 201) throw new Error(`connection ${org}: ${c.status} ${await c.text()}`);
    conn[org] = (await json<{ id: string }>(c)).id;
  }
  return {
    gw,
    sim,
    conn,
    async key(body) {
      const res = await gw.call('POST', '/v1/api-keys', { body: { name: 'test key', ...body } });
      if (res.status !== 201) throw new Error(`api key: ${res.status} ${await res.text()}`);
      return (await json<{ key: string }>(res)).key;
    },
    as: (key, method, path, body) =>
      gw.call(method, path, {
        headers: { authorization: `Bearer ${key}` },
        ...(body === undefined ? {} : { body }),
      }),
    async close() {
      await gw.close();
      await sim.close();
    },
  };
}
