import { describe, expect, it } from 'vitest';
import { definitions } from '../../src/providers/registry.js';
import { cases } from './cases.js';
import { describeConformance } from './suite.js';

/** The adapter conformance suite (suite.ts) for every case of the registered provider types. */
describeConformance(cases);

describe('conformance cases', () => {
  it('cover every registered provider type', () => {
    expect(new Set(cases.map((c) => c.definition.type))).toEqual(new Set(definitions.map((d) => d.type)));
  });
});
