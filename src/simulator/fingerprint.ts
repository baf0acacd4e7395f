import { createHmac, randomBytes } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal values give equal text. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Keys this process's fingerprints; never written anywhere, so a state file cannot be brute-forced offline. */
const FINGERPRINT_KEY = randomBytes(32);

/**
 * What a simulator keeps of a secret it was sent (credentials, a token): an HMAC-SHA-256
 * fingerprint of its canonical JSON under a key that lives only in this process, never the value,
 * so state files on disk hold no user's secret (not even a hash a weak password could be guessed
 * from). Fingerprints compare within one process: tests use them to check what was sent or
 * replayed; after a restart, restored fingerprints match nothing (a restored token is refused and
 * fetched again).
 */
export function fingerprint(value: unknown): string {
  return `hmac-sha256:${createHmac('sha256', FINGERPRINT_KEY).update(stableJson(value)).digest('hex')}`;
}
