import { describe, expect, it } from 'vitest';
import { retryAfterSeconds } from '../../src/core/retry-after.js';

const bag = (h: Record<string, string>) => ({ get: (n: string) => h[n] ?? null });

describe('retryAfterSeconds', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads seconds, rounding up and never below 0', () => {
    expect(retryAfterSeconds(bag({ 'retry-after': '2' }), now)).toBe(2);
    expect(retryAfterSeconds(bag({ 'retry-after': '1.2' }), now)).toBe(2);
    expect(retryAfterSeconds(bag({ 'retry-after': '-5' }), now)).toBe(0);
  });
  it('reads an HTTP date as the seconds until it', () => {
    expect(retryAfterSeconds(bag({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }), now)).toBe(30);
    expect(retryAfterSeconds(bag({ 'retry-after': 'Wed, 31 Dec 2025 23:00:00 GMT' }), now)).toBe(0);
  });
  it('falls back to an epoch-seconds x-ratelimit-reset', () => {
    expect(retryAfterSeconds(bag({ 'x-ratelimit-reset': String(now / 1000 + 7) }), now)).toBe(7);
  });
  it('is undefined when neither header says anything usable', () => {
    expect(retryAfterSeconds(bag({}), now)).toBeUndefined();
    expect(retryAfterSeconds(bag({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterSeconds(bag({ 'x-ratelimit-reset': 'later' }), now)).toBeUndefined();
  });
});
