import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { scrubSecrets } from '../../../src/upstream/scrub.js';

describe('scrubSecrets', () => {
  it("removes the request's secrets and its auth header values (with and without the scheme word) from the detail and the field messages", () => {
    const e = new GatewayError(
      'upstream_rejected',
      'key s3cr3t-api-key refused; token tok-123456789 and Bearer tok-123456789',
      {
        errors: [{ pointer: '/credentials/password', message: 'p4ssw0rd-value is too weak' }],
      },
    );
    const out = scrubSecrets(e, ['s3cr3t-api-key', 'p4ssw0rd-value'], {
      authorization: 'Bearer tok-123456789',
    });
    expect(out.message).not.toMatch(/s3cr3t-api-key|tok-123456789/);
    expect(out.errors?.[0]?.message).not.toContain('p4ssw0rd-value');
    expect(out.errors?.[0]?.pointer).toBe('/credentials/password');
    expect(out.code).toBe('upstream_rejected');
  });

  it('returns the error itself when nothing had to go', () => {
    const e = new GatewayError('upstream_error', 'nothing secret here');
    expect(scrubSecrets(e, ['s3cr3t-api-key'], { 'x-api-key': 'k-0123456789' })).toBe(e);
  });
});
