import { GatewayError, type FieldProblem } from '../core/errors.js';
import { retryAfterSeconds } from '../core/retry-after.js';
import type { HeaderBag } from './transport.js';

/**
 * The default status → code mapping; adapters refine the detail text from their error bodies and
 * may name the fields of the caller's request that the upstream refused (`errors`). A 503 that
 * says when to come back keeps its `Retry-After` (503 `upstream_unavailable`).
 */
export function upstreamError(
  providerId: string,
  status: number,
  detail: string,
  headers?: HeaderBag,
  errors?: FieldProblem[],
): GatewayError {
  const base = {
    provider: providerId,
    upstreamStatus: status,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
  const retryAfter = headers ? retryAfterSeconds(headers) : undefined;
  if (status === 404) return new GatewayError('not_found', detail, base);
  if (status === 429)
    return new GatewayError(
      'rate_limited',
      detail,
      retryAfter === undefined ? base : { ...base, retryAfter },
    );
  if (status === 503 && retryAfter !== undefined)
    return new GatewayError('upstream_unavailable', detail, { ...base, retryAfter });
  if (status === 408 || status === 504) return new GatewayError('upstream_timeout', detail, base);
  if (status === 401 || status === 403) {
    return new GatewayError(
      'upstream_error',
      `The gateway's credentials for provider ${providerId} were refused (${status}): ${detail}`,
      base,
    );
  }
  if (status >= 400 && status < 500) return new GatewayError('upstream_rejected', detail, base);
  return new GatewayError('upstream_error', detail, base);
}

/** No answer in time: 504. */
export const timedOut = (providerId: string, ms: number) =>
  new GatewayError('upstream_timeout', `Provider ${providerId} did not answer within ${ms} ms.`, {
    provider: providerId,
  });

/** No answer at all (refused, reset, DNS): 502. */
export const unreachable = (providerId: string, cause: unknown) =>
  new GatewayError('upstream_error', `Provider ${providerId} could not be reached.`, {
    provider: providerId,
    cause,
  });

/** An answer over the size the gateway reads: 502. */
export const tooLarge = (providerId: string) =>
  new GatewayError(
    'upstream_error',
    `Provider ${providerId} answered with a body larger than the gateway reads.`,
    { provider: providerId },
  );

/** The gateway's own limiter refused the call: 429 with when to come back. */
export const throttled = (providerId: string, waitMs: number) =>
  new GatewayError(
    'rate_limited',
    `The gateway keeps within provider ${providerId}'s request budget; try again shortly.`,
    { provider: providerId, retryAfter: Math.ceil(waitMs / 1000) },
  );

/** The circuit is open: 503 with when it may close. */
export const circuitOpen = (providerId: string, closedForMs: number) =>
  new GatewayError(
    'upstream_unavailable',
    `Provider ${providerId} is failing; the gateway is not calling it for now (circuit open).`,
    { provider: providerId, retryAfter: Math.ceil(closedForMs / 1000) },
  );
