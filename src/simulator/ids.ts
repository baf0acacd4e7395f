import { randomBytes } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random id: `prefix` and `length` letters and digits (the shape of Auth0's `con_…`/`org_…` ids). */
export function randomId(prefix: string, length = 16): string {
  return prefix + Array.from(randomBytes(length), (b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
}
