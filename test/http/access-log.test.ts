import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/core/connection.js';
import { leenProvider } from '../../src/providers/leen/definition.js';
import { startLeenSimulator, type LeenSimulator } from '../../src/providers/leen/simulator/index.js';
import { json, startGateway, type TestGateway } from '../helpers/gateway.js';
import { API_KEY, createOrg } from '../providers/leen/harness.js';

/**
 * The access log: one line per request; a request that made exactly one upstream attempt carries
 * it (`upstream`) instead of a second line; a retried one writes each attempt as its own line.
 */

let sim: LeenSimulator;
let gw: TestGateway;
let connection: Connection;
const BASE = '/v1/organizations/acme/connections';

beforeAll(async () => {
  sim = await startLeenSimulator({ apiKey: API_KEY });
  const leenOrg = await createOrg(sim, 'Acme');
  gw = await startGateway({
    definitions: [leenProvider],
    providers: [
      { id: 'leen', type: 'leen', apiKey: API_KEY, baseUrl: sim.url, retry: { attempts: 3, baseDelayMs: 1 } },
    ],
  });
  expect(
    (
      await gw.call('POST', '/v1/organizations', {
        body: { id: 'acme', name: 'Acme', links: { leen: leenOrg } },
      })
    ).status,
  ).toBe(201);
  const res = await gw.call('POST', BASE, {
    body: {
      provider: 'leen',
      kind: 'TENABLE',
      name: 'logged',
      credentials: { client_key: 'ck', secret_key: 'sk' },
    },
  });
  expect(res.status).toBe(201);
  connection = await json<Connection>(res);
});
afterAll(async () => {
  await gw?.close();
  await sim?.close();
});

const linesOf = (requestId: string) => gw.logs.parsed().filter((l) => l['request_id'] === requestId);

describe('the access line', () => {
  it('a read with one upstream attempt: one line, the attempt in it', async () => {
    const res = await gw.call('GET', `${BASE}/${connection.id}`, {
      headers: { 'x-request-id': 'one-attempt' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('one-attempt');
    const lines = linesOf('one-attempt');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'request',
      level: 30,
      service: 'plugboard',
      method: 'GET',
      route: '/v1/organizations/:org/connections/:id',
      path: `${BASE}/${connection.id}`,
      status: 200,
      duration_ms: expect.any(Number),
      upstream: {
        provider: 'leen',
        method: 'GET',
        path: expect.stringContaining(`/connections/${connection.external.connection_id}`),
        attempt: 1,
        status: 200,
        duration_ms: expect.any(Number),
      },
    });
  });

  it('a read retried after a 503: each attempt its own line, the request line without `upstream`', async () => {
    sim.kit.fault({ method: 'GET', path: '/connections/', status: 503, times: 1 });
    const res = await gw.call('GET', `${BASE}/${connection.id}`, { headers: { 'x-request-id': 'retried' } });
    expect(res.status).toBe(200);
    const lines = linesOf('retried');
    const attempts = lines.filter((l) => l['msg'] === 'upstream call');
    expect(attempts.map((l) => [l['attempt'], l['status'], l['provider']])).toEqual([
      [1, 503, 'leen'],
      [2, 200, 'leen'],
    ]);
    const request = lines.filter((l) => l['msg'] === 'request');
    expect(request).toHaveLength(1);
    expect(request[0]).toMatchObject({ status: 200 });
    expect(request[0]?.['upstream']).toBeUndefined();
  });

  it('a request without an upstream call: one line, no `upstream`', async () => {
    await gw.call('GET', '/v1/organizations/acme', { headers: { 'x-request-id': 'no-upstream' } });
    const lines = linesOf('no-upstream');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'request', status: 200 });
    expect(lines[0]?.['upstream']).toBeUndefined();
  });
});
