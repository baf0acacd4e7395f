import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/core/connection.js';
import { auth0Provider } from '../../../src/providers/auth0/definition.js';
import { DEMO_ORGANIZATION } from '../../../src/providers/auth0/fixtures.js';
import { startAuth0Simulator, type Auth0Simulator } from '../../../src/providers/auth0/simulator/index.js';
import { json, startGateway, type TestGateway } from '../../helpers/gateway.js';

/** Two Auth0 tenants behind one gateway, through real HTTP: separate data, 429s and partial lists. */

// The simulators' clock stands at the start of the current hour, so a one-hour rate-limit window
// ends at a known instant (hourStart + 1 h), the x-ratelimit-reset the gateway turns into Retry-After.
const hourStart = Math.floor(Date.now() / 3_600_000) * 3_600_000;
let eu: Auth0Simulator;
let us: Auth0Simulator;
let gw: TestGateway;
const base = '/v1/organizations/multi/connections';

beforeAll(async () => {
  const start = (domain: string, clientId: string) =>
    startAuth0Simulator({
      domain,
      seedDemo: true,
      now: () => hourStart,
      clients: [{ clientId, clientSecret: `${clientId}-secret` }],
      rateLimit: { limit: 1000, windowSec: 3600 },
    });
  [eu, us] = await Promise.all([
    start('eu.tenant.local', 'eu-client'),
    start('us.tenant.local', 'us-client'),
  ]);
  const entry = (id: string, sim: Auth0Simulator) => ({
    id,
    type: 'auth0',
    domain: sim.domain,
    clientId: sim.clients[0]?.clientId as string,
    clientSecret: sim.clients[0]?.clientSecret as string,
    baseUrl: sim.url,
    retry: { attempts: 1 },
  });
  gw = await startGateway({
    definitions: [auth0Provider],
    providers: [entry('auth0-eu', eu), entry('auth0-us', us)],
  });
  const links = { 'auth0-eu': DEMO_ORGANIZATION.id, 'auth0-us': DEMO_ORGANIZATION.id };
  expect(
    (await gw.call('POST', '/v1/organizations', { body: { id: 'multi', name: 'Two tenants', links } }))
      .status,
  ).toBe(201);
});
afterAll(async () => {
  await gw.close();
  await Promise.all([eu.close(), us.close()]);
});

describe('two Auth0 tenants behind one gateway', () => {
  it('lists both tenants, each under its own provider id, each with its own token', async () => {
    const list = await json<{ data: Connection[] }>(await gw.call('GET', `${base}?limit=200`));
    expect(list.data.filter((c) => c.provider === 'auth0-eu')).toHaveLength(2);
    expect(list.data.filter((c) => c.provider === 'auth0-us')).toHaveLength(2);
    expect(new Set(list.data.map((c) => c.id)).size).toBe(4);
    expect(eu.kit.count('POST', /\/oauth\/token$/)).toBe(1);
    expect(us.kit.count('POST', /\/oauth\/token$/)).toBe(1);
  });

  it('a change through one tenant never reaches the other', async () => {
    const list = await json<{ data: Connection[] }>(
      await gw.call('GET', `${base}?provider=auth0-eu&limit=1`),
    );
    const target = list.data[0] as Connection;
    const patchesBefore = us.kit.count('PATCH', /./);
    const res = await gw.call('PATCH', `${base}/${target.id}`, {
      body: { status: 'disabled', settings: { organization_access_level: 'limited' } },
    });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({
      status: 'disabled',
      settings: { organization_access_level: 'limited' },
    });
    expect(us.kit.count('PATCH', /./)).toBe(patchesBefore);
  });

  it('an upstream 429 becomes rate_limited with the upstream reset as Retry-After; lists answer 200 incomplete unless strict', async () => {
    const usList = await json<{ data: Connection[] }>(await gw.call('GET', `${base}?provider=auth0-us`));
    const usConnection = usList.data[0] as Connection;
    us.setRateLimit({ limit: 0, windowSec: 3600 });
    try {
      const one = await gw.call('GET', `${base}/${usConnection.id}`);
      expect(one.status).toBe(429);
      const retryAfter = Number(one.headers.get('retry-after'));
      const announced = Math.max(0, Math.ceil((hourStart + 3_600_000 - Date.now()) / 1000));
      expect(Math.abs(retryAfter - announced)).toBeLessThanOrEqual(1);
      expect(await json(one)).toMatchObject({
        code: 'rate_limited',
        provider: 'auth0-us',
        upstream_status: 429,
      });

      const partial = await gw.call('GET', `${base}?limit=200`);
      expect(partial.status).toBe(200);
      const body = await json<{
        data: Connection[];
        incomplete?: boolean;
        errors?: Array<{ provider: string; code: string }>;
      }>(partial);
      expect(body.incomplete).toBe(true);
      expect(body.errors).toEqual([expect.objectContaining({ provider: 'auth0-us', code: 'rate_limited' })]);
      expect(body.data.every((c) => c.provider === 'auth0-eu')).toBe(true);
      expect(body.data).toHaveLength(2);

      const strict = await gw.call('GET', `${base}?limit=200&strict=true`);
      expect(strict.status).toBe(429);
      expect(strict.headers.get('retry-after')).not.toBeNull();
    } finally {
      us.setRateLimit({ limit: 1000, windowSec: 3600 });
    }
  });

  it('credentials, test and jobs are refused with 422 before any upstream call', async () => {
    const list = await json<{ data: Connection[] }>(
      await gw.call('GET', `${base}?provider=auth0-eu&limit=1`),
    );
    const id = (list.data[0] as Connection).id;
    const before = eu.kit.requests.length;
    const creds = await gw.call('PATCH', `${base}/${id}`, { body: { credentials: { secret: 'x' } } });
    expect(creds.status).toBe(422);
    expect(await json(creds)).toMatchObject({
      code: 'unsupported_change',
      errors: [{ pointer: '/credentials' }],
    });
    expect(await json(await gw.call('POST', `${base}/${id}/test`))).toMatchObject({
      status: 422,
      code: 'unsupported_operation',
    });
    expect(await json(await gw.call('GET', `${base}/${id}/jobs`))).toMatchObject({
      status: 422,
      code: 'unsupported_operation',
    });
    expect(eu.kit.requests.length).toBe(before);
  });
});
