import { GatewayError } from '../core/errors.js';
import { unsafeSegment } from '../core/segment.js';

/**
 * Tagged template that encodes every interpolated path segment, and refuses a value that is not a
 * safe segment (core/segment.ts): encoding leaves `.` and `..` as they are, so
 * `…/organizations/${'..'}/connections` would reach a tenant-wide path with the gateway's own
 * credentials. Values reach here from storage (a link, an upstream id): what a caller sends is
 * refused with a 400 before it is stored, and what an upstream gives out is refused with a 502 when
 * it arrives. One that still gets here is the gateway's own fault: `internal`, and never sent.
 */
export function path(strings: TemplateStringsArray, ...values: string[]): string {
  return strings.reduce(
    (out, s, i) => out + s + (i < values.length ? safeSegment(values[i] as string) : ''),
    '',
  );
}

function safeSegment(value: string): string {
  const problem = unsafeSegment(value);
  if (problem !== null)
    throw new GatewayError(
      'internal',
      `The gateway refused to call a provider with an unsafe path segment: it ${problem}.`,
    );
  return encodeURIComponent(value);
}
