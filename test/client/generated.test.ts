import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from '../../src/client/generate.js';
import { repoPath } from '../helpers/repo.js';

/** docs/openapi.json and the SDK's types are generated from the routes; stale copies fail here (`npm run generate`). */
describe('generated files', () => {
  it('docs/openapi.json and src/client/schema.d.ts are what `npm run generate` writes today', async () => {
    const files = await generatedFiles();
    expect(Object.keys(files).sort()).toEqual(['docs/openapi.json', 'src/client/schema.d.ts']);
    for (const [file, text] of Object.entries(files)) {
      expect(readFileSync(repoPath(file), 'utf8') === text, `${file} is stale: run npm run generate`).toBe(
        true,
      );
    }
  });
});
