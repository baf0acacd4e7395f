import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth0Provider } from '../../src/providers/auth0/definition.js';
import type { SimulatorSetup } from '../../src/providers/definition.js';
import { definitions } from '../../src/providers/registry.js';
import { json, startGateway, type TestGateway } from '../helpers/gateway.js';
import { withSamples } from '../helpers/providers.js';
import { describeLinkChecks } from './organization-links-checks.js';

/** The link checks (organization-links-checks.ts) for every registered provider type, and a link stored before they existed. */

describeLinkChecks(await withSamples(definitions));

describe('a link stored before links were checked', () => {
  let sim: SimulatorSetup;
  let agw: TestGateway;
  beforeAll(async () => {
    sim = await auth0Provider.startSimulator({});
    agw = await startGateway({
      definitions: [auth0Provider],
      providers: [{ id: 'auth0', type: 'auth0', ...sim.providerConfig }],
    });
  });
  afterAll(async () => {
    await agw?.close();
    await sim?.close();
  });

  it("is never sent: `..` cannot turn the organization's connections into the tenant's (/api/v2/connections); the answer is 500, not a 400", async () => {
    const now = new Date().toISOString();
    for (const [id, link] of [
      ['legacy-dotdot', '..'],
      ['legacy-dot', '.'],
    ] as const) {
      expect(
        await agw.gateway.storage.createOrganization(
          { id, name: id, links: { auth0: link }, created_at: now, updated_at: now },
          {
            id: `ev_${id}`,
            type: 'organization.created',
            organization_id: id,
            connection_id: null,
            actor: 'admin',
            changed: ['links', 'name'],
            request_id: null,
            at: now,
          },
        ),
      ).toBe(true);
      const before = sim.requests().length;
      const list = await agw.call('GET', `/v1/organizations/${id}/connections`);
      expect(list.status).toBe(500);
      expect((await json<{ code: string }>(list)).code).toBe('internal');
      const create = await agw.call('POST', `/v1/organizations/${id}/connections`, {
        body: { provider: 'auth0', external_connection_id: 'con_Gg3Nw8RtY1uH6zBc' },
      });
      expect(create.status).toBe(500);
      // Not even a token request: the path is refused before anything is sent.
      expect(sim.requests().slice(before)).toEqual([]);
    }
    expect(sim.requests().some((r) => r.path === '/api/v2/connections')).toBe(false);
    expect(agw.logs.text()).toMatch(/unsafe path segment/);
  });
});
