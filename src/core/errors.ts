/**
 * The one error type of the gateway. Every failure that reaches a caller is a GatewayError with a
 * contract `code` (contract §7); the code → HTTP status table below exists only here.
 */

export const ERROR_STATUS = {
  validation_failed: 400,
  malformed_json: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  credentials_required: 409,
  idempotency_in_progress: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  unsupported_change: 422,
  unsupported_operation: 422,
  idempotency_key_reused: 422,
  upstream_rejected: 422,
  rate_limited: 429,
  headers_too_large: 431,
  upstream_error: 502,
  upstream_unavailable: 503,
  upstream_timeout: 504,
  storage_unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

const TITLES: Record<ErrorCode, string> = {
  validation_failed: 'Validation failed',
  malformed_json: 'Malformed JSON',
  unauthenticated: 'Unauthenticated',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  request_timeout: 'Request timeout',
  conflict: 'Conflict',
  credentials_required: 'Credentials required',
  idempotency_in_progress: 'Idempotent request in progress',
  precondition_failed: 'Precondition failed',
  payload_too_large: 'Payload too large',
  uri_too_long: 'URI too long',
  unsupported_media_type: 'Unsupported media type',
  unsupported_change: 'Unsupported change',
  unsupported_operation: 'Unsupported operation',
  idempotency_key_reused: 'Idempotency key reused',
  upstream_rejected: 'Rejected by the provider',
  rate_limited: 'Rate limited',
  headers_too_large: 'Request header fields too large',
  upstream_error: 'Provider error',
  upstream_unavailable: 'Provider unavailable',
  upstream_timeout: 'Provider timeout',
  storage_unavailable: 'Storage unavailable',
  internal: 'Internal error',
};

export interface FieldProblem {
  /** JSON pointer (RFC 6901) into the request part that failed, e.g. `/credentials/api_key`. */
  pointer: string;
  message: string;
}

export interface GatewayErrorOptions {
  errors?: FieldProblem[];
  provider?: string;
  upstreamStatus?: number;
  /** Seconds; rendered as `Retry-After`. */
  retryAfter?: number;
  /** Methods a path takes; rendered as `Allow` (405). */
  allow?: readonly string[];
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly errors: FieldProblem[] | undefined;
  readonly provider: string | undefined;
  readonly upstreamStatus: number | undefined;
  readonly retryAfter: number | undefined;
  readonly allow: readonly string[] | undefined;

  constructor(code: ErrorCode, detail: string, options: GatewayErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.errors = options.errors;
    this.provider = options.provider;
    this.upstreamStatus = options.upstreamStatus;
    this.retryAfter = options.retryAfter;
    this.allow = options.allow;
  }

  /** The same error with another detail text (and no cause, which might hold the old text), and optionally other field problems. */
  withDetail(detail: string, errors: FieldProblem[] | undefined = this.errors): GatewayError {
    const options: GatewayErrorOptions = {};
    if (errors !== undefined) options.errors = errors;
    if (this.provider !== undefined) options.provider = this.provider;
    if (this.upstreamStatus !== undefined) options.upstreamStatus = this.upstreamStatus;
    if (this.retryAfter !== undefined) options.retryAfter = this.retryAfter;
    if (this.allow !== undefined) options.allow = this.allow;
    return new GatewayError(this.code, detail, options);
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  get title(): string {
    return TITLES[this.code];
  }
}

export function isGatewayError(e: unknown): e is GatewayError {
  return e instanceof GatewayError;
}

/** Shorthand for a 400 naming one or more fields. */
export function validationError(
  problems: FieldProblem[],
  detail = 'The request is not valid.',
): GatewayError {
  return new GatewayError('validation_failed', detail, { errors: problems });
}

/** A provider flow that cannot update an existing connection (contract §11): 422 naming `/connection_id`. */
export function reconnectUnsupported(provider: string, message: string): GatewayError {
  return new GatewayError('unsupported_operation', message, {
    provider,
    errors: [{ pointer: '/connection_id', message: 'no reconnect with flow "provider"' }],
  });
}
