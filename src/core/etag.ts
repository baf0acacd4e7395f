import { hash } from 'node:crypto';

/** Strong validator of a canonical representation. */
export function etagOf(representation: unknown): string {
  return etagOfJson(JSON.stringify(representation));
}

/** The same, of a representation already written as JSON. */
export function etagOfJson(json: string): string {
  return `"${hash('sha256', json, 'base64url').slice(0, 27)}"`;
}

/** RFC 9110 strong comparison against an If-Match / If-None-Match header value. */
export function etagMatches(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((s) => s.trim())
    .some((t) => t === '*' || t === etag);
}
