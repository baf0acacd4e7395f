import { hash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * The API key format (and the connect session token's), after GitHub's tokens: a recognisable prefix (secret scanners can spot a
 * leaked key), 30 random base62 characters (~178 bits), and a 6-character base62 CRC32 of them, so
 * a mistyped or truncated key is refused without a storage lookup. Only a SHA-256 of the whole key
 * is stored; the key itself is shown once.
 */

export const API_KEY_PREFIX = 'pbk_';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_CHARS = 30;
const CHECK_CHARS = 6;
export const API_KEY_LENGTH = API_KEY_PREFIX.length + RANDOM_CHARS + CHECK_CHARS;

function base62(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

function checksum(random: string): string {
  return base62(crc32(random), CHECK_CHARS);
}

/** A new key: prefix, random part, checksum. */
export function newApiKey(): string {
  return newToken(API_KEY_PREFIX);
}

/** Whether `key` has the shape and checksum of a key this gateway makes (no lookup). */
export function isWellFormedApiKey(key: string): boolean {
  return isWellFormedToken(API_KEY_PREFIX, key);
}

/** What is stored of a key. */
export function apiKeyHash(key: string): string {
  return hash('sha256', key, 'hex');
}

/** A connect session's token (contract §10): the same format with its own prefix; only its SHA-256 (apiKeyHash) is stored. */
export const CONNECT_TOKEN_PREFIX = 'pbcs_';

export function newConnectToken(): string {
  return newToken(CONNECT_TOKEN_PREFIX);
}

export function isWellFormedConnectToken(token: string): boolean {
  return isWellFormedToken(CONNECT_TOKEN_PREFIX, token);
}

/** `prefix`, the random part and its checksum. */
function newToken(prefix: string): string {
  let random = '';
  // Rejection sampling: bytes ≥ 248 would bias the alphabet (248 = 4 × 62).
  while (random.length < RANDOM_CHARS) {
    for (const b of randomBytes(RANDOM_CHARS))
      if (b < 248 && random.length < RANDOM_CHARS) random += BASE62[b % 62];
  }
  return `${prefix}${random}${checksum(random)}`;
}

function isWellFormedToken(prefix: string, key: string): boolean {
  if (key.length !== prefix.length + RANDOM_CHARS + CHECK_CHARS || !key.startsWith(prefix)) return false;
  const random = key.slice(prefix.length, prefix.length + RANDOM_CHARS);
  if (!/^[0-9A-Za-z]+$/.test(random)) return false;
  return key.slice(-CHECK_CHARS) === checksum(random);
}
