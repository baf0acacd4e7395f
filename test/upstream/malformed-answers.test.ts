import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/core/connection.js';
import { DEFAULT_MAX_BODY_BYTES } from '../../src/upstream/transport.js';
import type { SimulatorSetup } from '../../src/providers/definition.js';
import { cases } from '../contract/cases.js';
import { json, startGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * An upstream answer that is not what the provider's schema says (HTML, wrong types, a body over
 * the size limit, a connection id that would bend a later path) is 502 `upstream_error` for every
 * provider entry, never a crash or a 500, and never stored. Faults come from each simulator's own
 * fault surface (`POST /__sim/faults`).
 */

type Problem = { status: number; code: string; provider?: string };

/** Per provider type: a list answer and a create answer whose one connection has id `id`, in the provider's own shape. */
const WITH_ID: Record<string, { list(id: string, family?: string): unknown; one(id: string): unknown }> = {
  leen: {
    list: (id) => ({ items: [{ id, vendor: 'TENABLE', state: 'ACTIVE' }], total: 1 }),
    one: (id) => ({ id, vendor: 'TENABLE', state: 'ACTIVE' }),
  },
  auth0: {
    list: (id, family = 'connections') => ({
      [family]: [{ connection_id: id, connection: { name: 'x', strategy: 'auth0' } }],
      start: 0,
      limit: 50,
      total: 1,
    }),
    // Without `connection`, the adapter reads the connection it was just given at once.
    one: (id) => ({ connection_id: id }),
  },
  versori: {
    list: (id) => ({
      items: [
        { id, orgId: 'o', name: 'n', app: { id: 'app_apikey', name: 'API key app' }, credentialId: 'c' },
      ],
      totalCount: 1,
    }),
    one: (id) => ({
      id,
      orgId: 'o',
      name: 'n',
      app: { id: 'app_apikey', name: 'API key app' },
      credentialId: 'c',
    }),
  },
};

const LIST = 'connections$';
const ONE = 'connections/[^/]+$';
const HTML =
  '<!doctype html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>';

describe.each(cases.map((k) => ({ ...k, label: k.providerId ?? k.definition.type })))(
  'malformed answers: $label',
  (kase) => {
    const providerId = kase.label;
    const base = '/v1/organizations/acme/connections';
    let sim: SimulatorSetup;
    let gw: TestGateway;
    let existing: Connection;
    const fault = async (rule: Record<string, unknown>) => {
      const res = await fetch(`${sim.url}/__sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(rule),
      });
      expect(res.status).toBe(201);
    };
    /** Requests the simulator served after `from`, without token requests. */
    const servedSince = (from: number) =>
      sim
        .requests()
        .slice(from)
        .filter((r) => !r.path.includes('/oauth/'));
    const expect502 = async (res: Response) => {
      expect(res.status).toBe(502);
      expect(await json<Problem>(res)).toMatchObject({ code: 'upstream_error', provider: providerId });
    };

    beforeAll(async () => {
      sim = await kase.definition.startSimulator({});
      gw = await startGateway({
        definitions: [kase.definition],
        providers: [
          { id: providerId, type: kase.definition.type, ...sim.providerConfig, ...kase.providerConfig },
        ],
      });
      expect(
        (
          await gw.call('POST', '/v1/organizations', {
            body: { id: 'acme', name: 'Acme', links: { [providerId]: sim.demoExternalOrgId } },
          })
        ).status,
      ).toBe(201);
      const created = await gw.call('POST', base, { body: { provider: providerId, ...kase.createBody(31) } });
      expect(created.status).toBe(201);
      existing = await json<Connection>(created);
    });
    afterEach(async () => {
      await fetch(`${sim.url}/__sim/faults`, { method: 'DELETE' });
    });
    afterAll(async () => {
      await gw?.close();
      await sim?.close();
      // Never a crash: no unhandled error, no 500, in any log line of this gateway.
      expect(gw.logs.text()).not.toMatch(/unhandled error|"status":500/);
    });

    it('an HTML page with status 200 is 502 upstream_error (list and read)', async () => {
      await fault({
        method: 'GET',
        path: LIST,
        status: 200,
        body: HTML,
        headers: { 'content-type': 'text/html' },
      });
      await fault({
        method: 'GET',
        path: ONE,
        status: 200,
        body: HTML,
        headers: { 'content-type': 'text/html' },
      });
      await expect502(await gw.call('GET', base));
      await expect502(await gw.call('GET', `${base}/${existing.id}`));
    });

    it('JSON of the wrong types is 502 upstream_error (list, read, create)', async () => {
      await fault({
        method: 'GET',
        path: LIST,
        status: 200,
        body: { items: 'nope', connections: 5, enabled_connections: 5, total: 'many' },
      });
      await fault({
        method: 'GET',
        path: ONE,
        status: 200,
        body: { id: 42, connection_id: 42, vendor: true, state: 1, name: 7, app: 'x' },
      });
      await expect502(await gw.call('GET', base));
      await expect502(await gw.call('GET', `${base}/${existing.id}`));
      await fetch(`${sim.url}/__sim/faults`, { method: 'DELETE' });
      await fault({ method: 'GET', path: LIST, status: 200, body: [1, 'two', null] });
      await expect502(await gw.call('GET', base));
      await fault({
        method: 'POST',
        path: LIST,
        status: 201,
        body: { id: null, connection_id: [], created: true },
      });
      await expect502(
        await gw.call('POST', base, { body: { provider: providerId, ...kase.createBody(32) } }),
      );
      // The existing connection is still there, with its id: nothing was retired or indexed.
      await fetch(`${sim.url}/__sim/faults`, { method: 'DELETE' });
      expect((await gw.call('GET', `${base}/${existing.id}`)).status).toBe(200);
    });

    it(`a body over the transport's limit (${DEFAULT_MAX_BODY_BYTES} bytes) is 502 upstream_error`, async () => {
      await fault({
        method: 'GET',
        path: ONE,
        status: 200,
        body: 'x'.repeat(DEFAULT_MAX_BODY_BYTES + 1),
        headers: { 'content-type': 'application/json' },
      });
      const res = await gw.call('GET', `${base}/${existing.id}`);
      await expect502(res);
    });

    it('a connection id that would bend a later path (., .., ../x) is 502 upstream_error, never stored, never used', async () => {
      const shape = WITH_ID[kase.definition.type] as (typeof WITH_ID)[string];
      const family = (kase.providerConfig?.['connectionsApi'] as string | undefined) ?? 'connections';
      for (const id of ['..', '../x', '.']) {
        await fault({ method: 'GET', path: LIST, status: 200, body: shape.list(id, family) });
        const from = sim.requests().length;
        await expect502(await gw.call('GET', base));
        // Only the list itself reached the provider: no call was made with the id.
        expect(servedSince(from).map((r) => r.method)).toEqual(['GET']);
        await fetch(`${sim.url}/__sim/faults`, { method: 'DELETE' });

        await fault({
          method: 'POST',
          path: LIST,
          status: kase.definition.type === 'leen' ? 200 : 201,
          body: shape.one(id),
        });
        await expect502(
          await gw.call('POST', base, { body: { provider: providerId, ...kase.createBody(33) } }),
        );
        await fetch(`${sim.url}/__sim/faults`, { method: 'DELETE' });
      }
      // Nothing with such an id was indexed: the list shows only real connections.
      const list = await json<{ data: Connection[] }>(await gw.call('GET', `${base}?limit=200`));
      expect(list.data.some((c) => ['..', '../x', '.'].includes(c.external.connection_id))).toBe(false);
    });
  },
);
