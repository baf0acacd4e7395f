import type { Connection } from './connection.js';
import type { ConnectionSnapshot } from './storage.js';

/** The parts of a canonical connection that the monitor compares: what changes at a provider. */
export function snapshotOf(c: Connection): ConnectionSnapshot {
  return { kind: c.kind, name: c.name, status: c.status, health: c.health, settings: c.settings };
}

/** JSON with object keys sorted at every level: equal values give equal text, whatever the order a provider gave fields in. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortedKeys(value));
}

function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v as Record<string, unknown>)
        .sort()
        .map((k) => [k, sortedKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}
