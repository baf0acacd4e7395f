import { describe, expect, it } from 'vitest';
import { path } from '../../src/upstream/index.js';
import { unsafeSegment } from '../../src/core/segment.js';
import { refusal as thrown } from '../helpers/checks.js';

const UNSAFE = [
  '',
  '.',
  '..',
  '../x',
  'a/b',
  '/',
  'a\\b',
  '..\\x',
  'a?b',
  'a#b',
  '%2F',
  '%2f',
  '..%2F',
  '%5C',
  '%2E%2E',
  '%2e',
  '%25',
  '%00',
  'a\u0000b',
  'a\nb',
  '\u007f',
  '\u0085',
  '\ud800',
  'x'.repeat(201),
];

describe('upstream path segments', () => {
  it('unsafeSegment refuses dot segments, separators in any spelling, control characters, lone surrogates and over-long values', () => {
    for (const v of UNSAFE) expect(unsafeSegment(v), JSON.stringify(v)).not.toBeNull();
    for (const v of [
      'org_demo7hQ2mZ5KpW4n',
      '5d3e0c1a-7b2f-4e6d-9a8c-1f2e3d4c5b6a',
      '101',
      'versori-demo',
      '.a',
      'a.',
      '...',
      'a..b',
      'a b',
      '50%off',
      '%41',
      'ü',
      '😀',
      'x'.repeat(200),
    ]) {
      expect(unsafeSegment(v), JSON.stringify(v)).toBeNull();
    }
    expect(unsafeSegment('x'.repeat(51), 50)).toMatch(/at most 50/);
  });

  it('never echoes the value it refuses', () => {
    expect(unsafeSegment('secret/../value')).not.toContain('secret');
  });

  it('path`` encodes every segment and keeps the template as it is', () => {
    expect(path`/organizations/${'org 1'}/connections/${'ü'}`).toBe(
      '/organizations/org%201/connections/%C3%BC',
    );
    expect(path`/organizations/${'org_x'}/connections`).toBe('/organizations/org_x/connections');
  });

  it('path`` refuses dot segments, empty segments and separators as an internal error (the value came from storage), never a 400', () => {
    for (const v of UNSAFE) {
      const e = thrown(() => path`/organizations/${v}/connections`);
      expect(e.code, JSON.stringify(v)).toBe('internal');
      expect(e.status).toBe(500);
    }
    expect(thrown(() => path`/organizations/${'org_ok'}/connections/${'..'}`).message).toMatch(
      /unsafe path segment.*dot segment/,
    );
  });
});
