import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

describe('errors, auth and request ids (contract §2, §7, §8)', () => {
  it('401 problem+json without a key or with a wrong one', async () => {
    for (const headers of [
      { authorization: '' },
      { authorization: 'Bearer wrong-key' },
      { authorization: 'Basic abc' },
    ]) {
      const res = await gw.call('GET', '/v1/organizations', { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const p = await json(res);
      expect(p).toMatchObject({ status: 401, code: 'unauthenticated', title: 'Unauthenticated' });
      expect(p['type']).toEqual(expect.any(String));
      expect(p['request_id']).toBe(res.headers.get('x-request-id'));
    }
  });

  it('health and readiness need no key', async () => {
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);
  });

  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    const mine = await gw.call('GET', '/v1/organizations', { headers: { 'x-request-id': 'req-abc.123' } });
    expect(mine.headers.get('x-request-id')).toBe('req-abc.123');
    const bad = await gw.call('GET', '/v1/organizations', {
      headers: { 'x-request-id': 'has spaces and {braces}' },
    });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('malformed JSON is 400 malformed_json, a wrong media type 415, a huge body 413', async () => {
    const malformed = await gw.call('POST', '/v1/organizations', {
      raw: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect((await json(malformed))['code']).toBe('malformed_json');
    const text = await gw.call('POST', '/v1/organizations', {
      raw: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect((await json(text))['code']).toBe('unsupported_media_type');
    const huge = await gw.call('POST', '/v1/organizations', {
      raw: JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(huge.status).toBe(413);
    expect((await json(huge))['code']).toBe('payload_too_large');
  });

  it('unknown routes are 404 problems', async () => {
    const res = await gw.call('GET', '/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('writes one JSON access-log line per request with id, route, status and duration', async () => {
    await gw.call('GET', '/v1/organizations/missing', { headers: { 'x-request-id': 'log-line-check' } });
    const line = gw.logs.parsed().find((l) => l['request_id'] === 'log-line-check' && l['msg'] === 'request');
    expect(line).toMatchObject({ route: '/v1/organizations/:org', status: 404, method: 'GET' });
    expect(line?.['duration_ms']).toEqual(expect.any(Number));
  });
});
