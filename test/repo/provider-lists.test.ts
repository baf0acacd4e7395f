import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { definitions } from '../../src/providers/registry.js';
import { withSamples } from '../helpers/providers.js';
import { repoPath } from '../helpers/repo.js';

/**
 * The places that list the provider types and are written by hand (the README, the provider pages,
 * the example config files) hold exactly the registry's types: a definition added or removed without
 * them fails here.
 */

const providerTypes = await withSamples(definitions);
const types = providerTypes.map((p) => p.type);
const read = (file: string) => readFileSync(repoPath(file), 'utf8');
const sorted = (values: Iterable<string>) => [...values].sort();

describe('README.md', () => {
  const readme = read('README.md');

  it("has a row per provider type in its table, linking the type's page", () => {
    const rows = [...readme.matchAll(/^\| \*\*\[[^\]]+\]\(docs\/providers\/([a-z0-9-]+)\.md\)\*\* \|/gm)].map(
      (m) => m[1] as string,
    );
    expect(rows).toEqual(types);
  });

  it('starts a simulator per provider type and links the example organization to each', () => {
    expect(
      [...readme.matchAll(/^npm run simulate -- ([a-z0-9-]+) --port \d+ &$/gm)].map((m) => m[1]),
    ).toEqual(types);
    const body = /-d '(\{"id":"acme".*\})'/.exec(readme)?.[1] ?? '{}';
    expect(sorted(Object.keys((JSON.parse(body) as { links?: Record<string, string> }).links ?? {}))).toEqual(
      sorted(types),
    );
  });
});

describe('docs/providers/', () => {
  const index = read('docs/providers/README.md');

  it('has a page per provider type, linked from the index', () => {
    for (const type of types) {
      expect(existsSync(repoPath(`docs/providers/${type}.md`)), `docs/providers/${type}.md`).toBe(true);
      expect(index, type).toContain(`](${type}.md)`);
    }
  });

  it('has a section per provider type in the index, and no other', () => {
    expect([...index.matchAll(/^## .*\(`type: ([a-z0-9-]+)`\)$/gm)].map((m) => m[1])).toEqual(types);
  });
});

describe('examples/', () => {
  it('config.json has one entry per provider type: its example entry (secrets as ${ENV} placeholders)', () => {
    const example = JSON.parse(read('examples/config.json')) as { providers: unknown[] };
    expect(example.providers).toEqual(
      providerTypes.map(({ type, samples }) => ({ id: type, type, ...samples.exampleConfig })),
    );
  });

  it('simulated.json has one entry per provider type (test/e2e/sandbox.test.ts checks them against the simulators)', () => {
    const example = JSON.parse(read('examples/simulated.json')) as {
      providers: Array<{ id: string; type: string }>;
    };
    expect(example.providers.map((p) => [p.id, p.type])).toEqual(types.map((t) => [t, t]));
  });
});
