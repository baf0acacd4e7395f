import { describe, expect, it } from 'vitest';
import { compiled } from '../../src/core/validation.js';
import { LeenConnectionIn, LeenJobIn } from '../../src/providers/leen/api-types.js';

const UUID = '3f0b8a52-6c1e-4f7a-9d2b-1a2b3c4d5e6f';

describe('compiled(): a provider answer schema compiled once, answering as zod does', () => {
  const cases: Array<[string, unknown]> = [
    ['whole', { id: UUID, vendor: 'TENABLE', state: 'ACTIVE', health: { name: 'HEALTHY' }, is_active: true }],
    ['nulls and extra fields', { id: UUID, vendor: 'SNYK', state: 'PAUSED', identifier: null, extra: 1 }],
    ['an id that is not a uuid', { id: '../x', vendor: 'SNYK', state: 'ACTIVE' }],
    ['a field of the wrong type', { id: UUID, vendor: 'SNYK', state: 'ACTIVE', timeout_secs: 'soon' }],
    ['not an object', 'nope'],
  ];
  it.each(cases)('LeenConnectionIn: %s', (_, input) => {
    const a = LeenConnectionIn.safeParse(input);
    const b = compiled(LeenConnectionIn).safeParse(input);
    expect(b.success).toBe(a.success);
    if (a.success && b.success) expect(b.data).toEqual(a.data);
  });

  it('keeps transforms (a job id given as a number becomes text) and is made once per schema', () => {
    expect(compiled(LeenJobIn).safeParse({ id: 42 })).toEqual(LeenJobIn.safeParse({ id: 42 }));
    expect(compiled(LeenJobIn).safeParse({ id: 42 }).data?.id).toBe('42');
    expect(compiled(LeenJobIn)).toBe(compiled(LeenJobIn));
  });
});
