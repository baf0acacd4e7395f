import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leenProvider } from '../../src/providers/leen/definition.js';
import type { SimulatorSetup } from '../../src/providers/definition.js';
import { json, startGateway, type TestGateway } from '../helpers/gateway.js';

type Problem = {
  status: number;
  code: string;
  detail: string;
  request_id: string | null;
  errors?: Array<{ pointer: string; message: string }>;
};

let gw: TestGateway;
let sim: SimulatorSetup;
beforeAll(async () => {
  sim = await leenProvider.startSimulator({});
  gw = await startGateway({
    definitions: [leenProvider],
    providers: [{ id: 'leen', type: 'leen', ...sim.providerConfig }],
  });
  await gw.call('POST', '/v1/organizations', {
    body: { id: 'acme', name: 'Acme', links: { leen: sim.demoExternalOrgId } },
  });
});
afterAll(async () => {
  await gw.close();
  await sim.close();
});

/** A raw HTTP/1.1 exchange (fetch cannot send what these tests send). */
function raw(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(gw.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a conventional HTTP surface', () => {
  it('a wrong method on a known path is 405 with Allow', async () => {
    const res = await gw.call('PUT', '/v1/organizations');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST, GET, HEAD');
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect((await json<Problem>(res)).code).toBe('method_not_allowed');
    const conn = await gw.call('POST', '/v1/organizations/acme/connections/cn_abc');
    expect(conn.status).toBe(405);
    expect(conn.headers.get('allow')?.split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD', 'PATCH', 'PUT']);
    expect((await gw.call('GET', '/v1/nowhere')).status).toBe(404);
  });

  it('a request target over 8 KiB is 414 problem+json', async () => {
    const res = await gw.call('GET', `/v1/organizations?cursor=${'x'.repeat(9000)}`);
    expect(res.status).toBe(414);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await json<Problem>(res)).toMatchObject({ code: 'uri_too_long', request_id: expect.any(String) });
    // Longer than Node reads at all: answered before any route, still a problem body.
    const huge = await raw(`/v1/organizations?cursor=${'y'.repeat(20_000)}`);
    expect(huge.status).toBe(414);
    expect(huge.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(huge.body)).toMatchObject({ status: 414, code: 'uri_too_long' });
  });

  it('oversized headers are 431 problem+json, not an empty body', async () => {
    const res = await raw('/v1/organizations', { 'x-padding': 'z'.repeat(20_000) });
    expect(res.status).toBe(431);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(res.body)).toMatchObject({
      status: 431,
      code: 'headers_too_large',
      title: 'Request header fields too large',
    });
  });

  it('an unknown provider filter names the configured ones', async () => {
    const res = await gw.call('GET', '/v1/organizations/acme/connections?provider=nope');
    expect(res.status).toBe(400);
    expect((await json<Problem>(res)).errors).toEqual([
      { pointer: '/provider', message: 'not a configured provider id (configured: leen)' },
    ]);
  });

  it('unknown query parameters and bad limits name the parameter', async () => {
    const res = await gw.call('GET', '/v1/organizations?limit=0&colour=red');
    expect(res.status).toBe(400);
    expect((await json<Problem>(res)).errors?.map((e) => e.pointer).sort()).toEqual(['/colour', '/limit']);
  });
});

describe('events page like every list', () => {
  it('pages with a signed cursor, and takes after=<event id> as an alias', async () => {
    const base = '/v1/organizations/acme/connections';
    // organization.created, then two connection.created
    for (let i = 0; i < 2; i++) {
      const made = await gw.call('POST', base, { body: { provider: 'leen', kind: 'JIRA', name: `e${i}` } });
      expect(made.status).toBe(201);
    }
    const all = await json<{ data: Array<{ id: string }>; next_cursor: string | null }>(
      await gw.call('GET', '/v1/organizations/acme/events?limit=200'),
    );
    expect(all.data).toHaveLength(3);
    expect(all.next_cursor).toBeNull();
    const first = await json<{ data: Array<{ id: string }>; next_cursor: string }>(
      await gw.call('GET', '/v1/organizations/acme/events?limit=2'),
    );
    expect(first.data.map((e) => e.id)).toEqual(all.data.slice(0, 2).map((e) => e.id));
    const second = await json<{ data: Array<{ id: string }>; next_cursor: string | null }>(
      await gw.call(
        'GET',
        `/v1/organizations/acme/events?limit=2&cursor=${encodeURIComponent(first.next_cursor)}`,
      ),
    );
    expect(second).toEqual({ data: [all.data[2]], next_cursor: null });
    const alias = await json<{ data: Array<{ id: string }> }>(
      await gw.call('GET', `/v1/organizations/acme/events?after=${all.data[0]?.id}`),
    );
    expect(alias.data.map((e) => e.id)).toEqual(all.data.slice(1).map((e) => e.id));
    const forged = await gw.call('GET', '/v1/organizations/acme/events?cursor=abc.def');
    expect(forged.status).toBe(400);
    expect((await json<Problem>(forged)).errors?.[0]?.pointer).toBe('/cursor');
    expect(
      (
        await gw.call(
          'GET',
          `/v1/organizations/acme/events?after=${all.data[0]?.id}&cursor=${encodeURIComponent(first.next_cursor)}`,
        )
      ).status,
    ).toBe(400);
  });
});

describe('GET /metrics', () => {
  it('counts requests by route template and status, times them, and shows the Node process; no id or secret in any label', async () => {
    const CANARY = 'CANARY-metrics-6d1f';
    await gw.call('GET', '/v1/organizations/acme');
    await gw.call('GET', '/v1/organizations/nope');
    const made = await gw.call('POST', '/v1/organizations/acme/connections', {
      body: { provider: 'leen', kind: 'TENABLE', credentials: { client_key: CANARY, secret_key: CANARY } },
    });
    const { id } = await json<{ id: string }>(made);
    await gw.call('GET', `/v1/organizations/acme/connections/${id}`);
    await gw.call('GET', '/v1/nowhere');
    const res = await fetch(`${gw.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain(
      'plugboard_http_requests_total{method="GET",route="/v1/organizations/:org",status="200"}',
    );
    expect(text).toContain(
      'plugboard_http_requests_total{method="GET",route="/v1/organizations/:org",status="404"}',
    );
    expect(text).toContain(
      'plugboard_http_requests_total{method="POST",route="/v1/organizations/:org/connections",status="201"}',
    );
    expect(text).toContain('plugboard_http_requests_total{method="GET",route="unmatched",status="404"}');
    expect(text).toMatch(
      /plugboard_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/v1\/organizations\/:org\/connections\/:id"\} \d+/,
    );
    expect(text).toMatch(/plugboard_process_resident_memory_bytes \d+/);
    expect(text).toMatch(/plugboard_nodejs_eventloop_lag_seconds \d/);
    for (const leak of [id, 'acme', 'nope', CANARY, sim.demoExternalOrgId]) expect(text).not.toContain(leak);
  });
});
