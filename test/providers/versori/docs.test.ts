import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  AUTH_TYPE_OF,
  toConnectionData,
  VersoriCredentials,
} from '../../../src/providers/versori/mapping.js';
import { repoPath } from '../../helpers/repo.js';

/**
 * `docs/providers/versori.md` documents every canonical credential type: its fields (optional ones
 * marked `?`), the Switchboard `authType` it is sent with and the `data` fields it becomes. The
 * table must say what the code does.
 */

const doc = readFileSync(repoPath('docs/providers/versori.md'), 'utf8');

/** Rows of the credential table: cells without their backticks, split on commas. */
function credentialRows(): Map<string, { fields: string[]; authType: string; dataFields: string[] }> {
  const rows = new Map<string, { fields: string[]; authType: string; dataFields: string[] }>();
  const list = (cell: string) =>
    cell
      .split(',')
      .map((x) => x.trim().replace(/`/g, ''))
      .filter((x) => x !== '');
  for (const line of doc.split('\n')) {
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    if (cells.length !== 5 || !/^`[a-z0-9_]+`$/.test(cells[0] ?? '') || !/Data/.test(cells[3] ?? ''))
      continue;
    const [type, fields, authType, , dataFields] = cells as [string, string, string, string, string];
    rows.set(type.replace(/`/g, ''), {
      fields: list(fields),
      authType: authType.replace(/`/g, ''),
      dataFields: list(dataFields),
    });
  }
  return rows;
}

/** A value of every field of one credential type, optional ones included. */
function sample(shape: Record<string, z.ZodType>): Record<string, unknown> {
  const values: Record<string, unknown> = {
    payload: {},
    algorithm: 'HS256',
    issue_token: true,
    auth_style: 1,
  };
  return Object.fromEntries(
    Object.entries(shape).map(([k, s]) => [k, k === 'type' ? (s as z.ZodLiteral).value : (values[k] ?? 'x')]),
  );
}

describe('docs/providers/versori.md', () => {
  it('lists every canonical credential type with its fields, authType and data fields as the code maps them', () => {
    const rows = credentialRows();
    expect([...rows.keys()].sort()).toEqual(VersoriCredentials.options.map((o) => o.shape.type.value).sort());
    for (const option of VersoriCredentials.options) {
      const type = option.shape.type.value;
      const row = rows.get(type);
      if (!row) throw new Error(`no row for ${type}`);
      const fields = Object.entries(option.shape as Record<string, z.ZodType>)
        .filter(([k]) => k !== 'type')
        .map(([k, s]) => (s.safeParse(undefined).success ? `${k}?` : k));
      expect(row.fields).toEqual(fields);
      expect(row.authType).toBe(AUTH_TYPE_OF[type]);
      const full = VersoriCredentials.parse(sample(option.shape as Record<string, z.ZodType>));
      expect(row.dataFields).toEqual(Object.keys(toConnectionData(full)));
    }
  });

  it('links only inside the repository or to public URLs', () => {
    const targets = [...doc.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1] as string);
    expect(targets.length).toBeGreaterThan(0);
    for (const t of targets) {
      if (/^https:\/\//.test(t)) continue;
      expect(() => repoPath(`docs/providers/${t}`)).not.toThrow();
      expect(() => readFileSync(repoPath(`docs/providers/${t}`))).not.toThrow();
    }
  });
});
