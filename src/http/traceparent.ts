import { randomBytes } from 'node:crypto';

/**
 * The caller's W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/ §3.2), checked
 * before it is sent upstream with every call of the request: `version-traceid-parentid-flags` in
 * lowercase hex. The gateway records no spans; it passes a valid context on unchanged. A malformed
 * one restarts the trace (as the spec asks of a receiver that cannot parse it): a fresh, random
 * trace id and parent id, flags `00`. A missing one stays missing: the gateway does not start
 * traces nobody asked for.
 */

/** Version 00's length, and the shortest a higher version may be. */
const V00_LENGTH = 55;
/** The longest value taken (a future version may append fields; nothing defines one yet). */
const MAX_LENGTH = 512;
const V00 = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
/** What a higher version may append after the 00 fields: `-` then visible ASCII. */
const FUTURE_TAIL = /^-[\x21-\x7e]*$/;
const ZEROS = /^0+$/;

/**
 * Whether `value` is a traceparent the gateway passes on: version 00 exactly 55 characters; a
 * higher version (01–fe) parsed as 00 on its first 55 characters, followed by the end or a `-`
 * (§3.2.4); version `ff`, uppercase hex, an all-zero trace id or parent id are invalid.
 */
export function isValidTraceparent(value: string): boolean {
  if (value.length < V00_LENGTH || value.length > MAX_LENGTH) return false;
  const m = V00.exec(value.slice(0, V00_LENGTH));
  if (!m) return false;
  const [, version, traceId, parentId] = m as unknown as [string, string, string, string];
  if (version === 'ff') return false;
  if (version === '00') {
    if (value.length !== V00_LENGTH) return false;
  } else if (value.length > V00_LENGTH && !FUTURE_TAIL.test(value.slice(V00_LENGTH))) {
    return false;
  }
  return !ZEROS.test(traceId) && !ZEROS.test(parentId);
}

/** A new traceparent: version 00, random trace id and parent id (never all zeros), not sampled. */
export function freshTraceparent(): string {
  for (;;) {
    const bytes = randomBytes(24);
    const traceId = bytes.subarray(0, 16).toString('hex');
    const parentId = bytes.subarray(16).toString('hex');
    if (!ZEROS.test(traceId) && !ZEROS.test(parentId)) return `00-${traceId}-${parentId}-00`;
  }
}

/** What goes upstream for a request's `traceparent` header: as given when valid, a fresh one when malformed, none when absent. */
export function upstreamTraceparent(given: string | undefined): string | undefined {
  if (given === undefined) return undefined;
  return isValidTraceparent(given) ? given : freshTraceparent();
}
