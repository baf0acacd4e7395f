import type { z } from 'zod';

/**
 * Values that become one segment of an upstream path: an organization's link to a provider, a
 * connection id an upstream gave out. The `path` template encodes every segment, but encoding
 * leaves `.` and `..` as they are, and a server or proxy on the way may decode `%2F` back into a
 * separator: a link of `..` would turn `…/organizations/{link}/connections` into a tenant-wide path
 * called with the gateway's own credentials. So such values are refused before they are stored,
 * whatever the provider; each provider's documented format (its LinkFormat) comes on top.
 */

/** Longest value taken as one segment (a link; an id from an upstream). */
export const MAX_SEGMENT_LENGTH = 200;

/** `/`, `\`, `?`, `#`: what ends a segment or the path, in URLs and in the servers that read `\` as `/`. */
const SEPARATOR = /[/\\?#]/;
/**
 * Percent-escapes of a separator, a dot, `%` itself or a control character (`%2F`, `%5C`, `%2E`,
 * `%25`, `%3F`, `%23`, `%00`–`%1F`, `%7F`): sent double-encoded, they become one of those again
 * wherever the path is decoded twice.
 */
const ENCODED_UNSAFE = /%(?:2[35ef]|3f|5c|[01][0-9a-f]|7f)/i;
/** C0 and C1 control characters. */
const CONTROL = /\p{Cc}/u;
/** A lone surrogate: not Unicode, and `encodeURIComponent` throws on it. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Whether `value` can be one upstream path segment (for the schemas of ids in upstream answers). */
export function isSafeSegment(value: string): boolean {
  return unsafeSegment(value) === null;
}

/**
 * For the schema of a caller's value that becomes a path segment later (`.superRefine(segmentIssue)`):
 * the reason it cannot, as the field's issue, so the caller gets a 400 naming it.
 */
export function segmentIssue(value: string, ctx: z.RefinementCtx): void {
  const problem = unsafeSegment(value);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
}

/**
 * Why `value` cannot be one upstream path segment, or null when it can. The reason names the rule,
 * never the value (it may be anything a caller sent).
 */
export function unsafeSegment(value: string, maxLength = MAX_SEGMENT_LENGTH): string | null {
  if (value.length === 0) return 'must not be empty';
  if (value.length > maxLength) return `must be at most ${maxLength} characters`;
  if (value === '.' || value === '..') return 'must not be "." or ".." (a dot segment)';
  if (SEPARATOR.test(value)) return 'must not contain "/", "\\", "?" or "#"';
  if (ENCODED_UNSAFE.test(value))
    return 'must not contain a percent-encoded separator, dot, percent sign or control character (such as %2F or %5C)';
  if (CONTROL.test(value)) return 'must not contain control characters';
  if (LONE_SURROGATE.test(value)) return 'must be well-formed Unicode';
  return null;
}
