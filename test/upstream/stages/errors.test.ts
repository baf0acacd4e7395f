import { describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../../../src/core/errors.js';
import { upstreamError } from '../../../src/upstream/errors.js';

const bag = (h: Record<string, string>) => ({ get: (n: string) => h[n] ?? null });

describe('upstreamError: a provider status → the contract error', () => {
  it.each([
    [404, 'not_found'],
    [429, 'rate_limited'],
    [503, 'upstream_error'],
    [408, 'upstream_timeout'],
    [504, 'upstream_timeout'],
    [401, 'upstream_error'],
    [403, 'upstream_error'],
    [400, 'upstream_rejected'],
    [422, 'upstream_rejected'],
    [409, 'upstream_rejected'],
    [500, 'upstream_error'],
    [502, 'upstream_error'],
  ])('%i → %s', (status, code) => {
    const e = upstreamError('p1', status, 'the detail');
    expect(e.code).toBe(code);
    expect(e.provider).toBe('p1');
    expect(e.upstreamStatus).toBe(status);
    expect(ERROR_STATUS[e.code]).toBeGreaterThanOrEqual(400);
  });
  it('keeps Retry-After on 429, and a 503 that says when to come back is upstream_unavailable', () => {
    expect(upstreamError('p1', 429, 'slow down', bag({ 'retry-after': '3' })).retryAfter).toBe(3);
    expect(upstreamError('p1', 429, 'slow down').retryAfter).toBeUndefined();
    const e = upstreamError('p1', 503, 'maintenance', bag({ 'retry-after': '9' }));
    expect([e.code, e.retryAfter]).toEqual(['upstream_unavailable', 9]);
  });
  it("says the gateway's own credentials were refused on 401/403, and carries the fields the provider named", () => {
    expect(upstreamError('p1', 401, 'bad token').message).toBe(
      "The gateway's credentials for provider p1 were refused (401): bad token",
    );
    const e = upstreamError('p1', 400, 'bad', undefined, [{ pointer: '/name', message: 'too long' }]);
    expect(e.errors).toEqual([{ pointer: '/name', message: 'too long' }]);
    expect(upstreamError('p1', 400, 'bad', undefined, []).errors).toBeUndefined();
  });
});
