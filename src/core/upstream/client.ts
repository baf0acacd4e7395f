import ky, { HTTPError, TimeoutError } from 'ky';
import type { Logger } from 'pino';
import type { AdapterDeps, CallContext, CommonProviderConfig } from '../adapter.js';
import { GatewayError, type FieldProblem } from '../errors.js';
import { scrubText, secretValues } from '../secret.js';

/**
 * The one way an adapter talks to its upstream. Built on ky; owns timeouts, retries of safe
 * methods, request-id/traceparent propagation, the per-attempt log line, and the mapping of
 * failures to GatewayError. The resilience issue grows this file (breaker, budget, limiter);
 * adapters do not change.
 */

export interface UpstreamAuth {
  /** Headers that authenticate one call (may fetch a token). */
  headers(ctx: CallContext): Promise<Record<string, string>> | Record<string, string>;
  /**
   * Drop cached credentials after a 401; the call is then retried once with fresh headers.
   * Receives the headers that were refused, so a late 401 never drops credentials fetched since.
   */
  invalidate?(refused: Record<string, string>): void;
}

export interface UpstreamFailure {
  status: number;
  headers: Headers;
  /** Parsed JSON when the body was JSON, else the text (possibly empty). */
  body: unknown;
}

export interface UpstreamClientOptions {
  providerId: string;
  baseUrl: string;
  logger: Logger;
  auth: UpstreamAuth;
  /** Turns a non-2xx upstream answer into the contract error. */
  mapError: (failure: UpstreamFailure) => GatewayError;
  config?: Pick<CommonProviderConfig, 'timeoutMs' | 'retry'>;
  fetch?: typeof fetch | undefined;
}

/** What every provider's client takes from its config entry and the adapter's deps. */
export interface ProviderClientOptions {
  providerId: string;
  baseUrl?: string | undefined;
  logger: Logger;
  config?: Pick<CommonProviderConfig, 'timeoutMs' | 'retry'> | undefined;
  fetch?: typeof fetch | undefined;
  now?: (() => number) | undefined;
}

export function providerClientOptions(config: CommonProviderConfig, deps: AdapterDeps): ProviderClientOptions {
  return { providerId: config.id, baseUrl: config.baseUrl, logger: deps.logger, config: { timeoutMs: config.timeoutMs, retry: config.retry },
    fetch: deps.fetch, now: deps.now };
}

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below baseUrl, starting with `/`; segments must already be encoded (use `path\`\``). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  /** Form-encoded body (e.g. an OAuth token request). */
  form?: Record<string, string>;
  /** Skip the auth headers (token endpoints). */
  anonymous?: boolean;
  /**
   * Secret values this request carries (credentials in the body, a client secret in the form).
   * Scrubbed, with the auth header values, from any error the call raises: an upstream message
   * that echoes what it was sent never reaches a caller or a log with the secret in it.
   */
  secrets?: readonly string[];
}

export interface UpstreamResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface UpstreamClient {
  call<T = unknown>(ctx: CallContext, req: UpstreamRequest): Promise<UpstreamResponse<T>>;
}

export const UPSTREAM_DEFAULTS = {
  timeoutMs: 10_000,
  retry: { attempts: 3, baseDelayMs: 25, maxDelayMs: 250 },
  /** A 429/503 asking for a longer wait than this is not retried: the caller gets it at once, with Retry-After. */
  maxRetryWaitMs: 1_000,
} as const;

/** Tagged template that encodes every interpolated path segment. */
export function path(strings: TemplateStringsArray, ...values: string[]): string {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? encodeURIComponent(values[i] as string) : ''), '');
}

/** Seconds to wait from a `Retry-After` (seconds or HTTP date) or an epoch-seconds reset header. */
export function retryAfterSeconds(headers: Headers, now = Date.now()): number | undefined {
  const ra = headers.get('retry-after');
  if (ra !== null) {
    const n = Number(ra);
    if (Number.isFinite(n)) return Math.max(0, Math.ceil(n));
    const date = Date.parse(ra);
    if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - now) / 1000));
  }
  const reset = headers.get('x-ratelimit-reset');
  if (reset !== null && Number.isFinite(Number(reset))) {
    return Math.max(0, Math.ceil(Number(reset) - now / 1000));
  }
  return undefined;
}

/**
 * The default status → code mapping; adapters refine the detail text from their error bodies and
 * may name the fields of the caller's request that the upstream refused (`errors`).
 */
export function upstreamError(providerId: string, status: number, detail: string, headers?: Headers, errors?: FieldProblem[]): GatewayError {
  const base = { provider: providerId, upstreamStatus: status, ...(errors && errors.length > 0 ? { errors } : {}) };
  if (status === 404) return new GatewayError('not_found', detail, base);
  if (status === 429) {
    const retryAfter = headers ? retryAfterSeconds(headers) : undefined;
    return new GatewayError('rate_limited', detail, retryAfter === undefined ? base : { ...base, retryAfter });
  }
  if (status === 408 || status === 504) return new GatewayError('upstream_timeout', detail, base);
  if (status === 401 || status === 403) {
    return new GatewayError('upstream_error', `The gateway's credentials for provider ${providerId} were refused (${status}): ${detail}`, base);
  }
  if (status >= 400 && status < 500) return new GatewayError('upstream_rejected', detail, base);
  return new GatewayError('upstream_error', detail, base);
}

const SAFE_METHODS = ['get', 'put', 'delete', 'head', 'options'];

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function createUpstreamClient(opts: UpstreamClientOptions): UpstreamClient {
  const timeoutMs = opts.config?.timeoutMs ?? UPSTREAM_DEFAULTS.timeoutMs;
  const r = opts.config?.retry;
  const retry = {
    attempts: r?.attempts ?? UPSTREAM_DEFAULTS.retry.attempts,
    baseDelayMs: r?.baseDelayMs ?? UPSTREAM_DEFAULTS.retry.baseDelayMs,
    maxDelayMs: r?.maxDelayMs ?? UPSTREAM_DEFAULTS.retry.maxDelayMs,
  };
  const log = opts.logger.child({ provider: opts.providerId });
  const base = opts.baseUrl.replace(/\/+$/, '');

  async function once<T>(ctx: CallContext, req: UpstreamRequest, authHeaders: Record<string, string>): Promise<UpstreamResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', 'x-request-id': ctx.requestId, ...authHeaders };
    if (ctx.traceparent) headers['traceparent'] = ctx.traceparent;
    const searchParams: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) searchParams[k] = v;
    let started = 0;
    const response = await ky(base + req.path, {
      method: req.method,
      headers,
      searchParams,
      ...(req.json !== undefined ? { json: req.json } : {}),
      ...(req.form !== undefined ? { body: new URLSearchParams(req.form) } : {}),
      timeout: timeoutMs,
      // true so ky's retry sees failed statuses; the catch below turns HTTPError into the contract error.
      throwHttpErrors: true,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      retry: {
        limit: Math.max(0, retry.attempts - 1),
        methods: SAFE_METHODS,
        statusCodes: [408, 429, 500, 502, 503, 504],
        afterStatusCodes: [429, 503],
        maxRetryAfter: UPSTREAM_DEFAULTS.maxRetryWaitMs,
        shouldRetry: ({ error }) => {
          if (!(error instanceof HTTPError)) return undefined;
          const wait = retryAfterSeconds(error.response.headers);
          return wait !== undefined && wait * 1000 > UPSTREAM_DEFAULTS.maxRetryWaitMs ? false : undefined;
        },
        backoffLimit: retry.maxDelayMs,
        delay: (n) => Math.random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (n - 1)),
      },
      hooks: {
        beforeRequest: [() => { started = performance.now(); }],
        afterResponse: [(request, _o, res, state) => {
          log.info({ method: request.method, path: req.path, status: res.status, attempt: state.retryCount + 1,
            duration_ms: Math.round((performance.now() - started) * 10) / 10, request_id: ctx.requestId }, 'upstream call');
        }],
      },
    }).catch(async (e: unknown) => {
      if (e instanceof HTTPError) return e.response;
      const duration_ms = Math.round((performance.now() - started) * 10) / 10;
      if (e instanceof TimeoutError) {
        log.warn({ method: req.method, path: req.path, status: null, outcome: 'timeout', duration_ms, request_id: ctx.requestId }, 'upstream call');
        throw new GatewayError('upstream_timeout', `Provider ${opts.providerId} did not answer within ${timeoutMs} ms.`, { provider: opts.providerId });
      }
      log.warn({ method: req.method, path: req.path, status: null, outcome: 'network_error', duration_ms, request_id: ctx.requestId,
        err: e instanceof Error ? e.message : String(e) }, 'upstream call');
      throw new GatewayError('upstream_error', `Provider ${opts.providerId} could not be reached.`, { provider: opts.providerId, cause: e });
    });
    const body = await readBody(response);
    if (!response.ok) throw Object.assign(opts.mapError({ status: response.status, headers: response.headers, body }), { [FAILED_STATUS]: response.status });
    return { status: response.status, headers: response.headers, body: body as T };
  }

  return {
    async call<T>(ctx: CallContext, req: UpstreamRequest): Promise<UpstreamResponse<T>> {
      let authHeaders = req.anonymous ? {} : await opts.auth.headers(ctx);
      try {
        try {
          return await once<T>(ctx, req, authHeaders);
        } catch (e) {
          if (!req.anonymous && opts.auth.invalidate && e instanceof GatewayError && (e as Failed)[FAILED_STATUS] === 401) {
            opts.auth.invalidate(authHeaders);
            authHeaders = await opts.auth.headers(ctx);
            return await once<T>(ctx, req, authHeaders);
          }
          throw e;
        }
      } catch (e) {
        if (!(e instanceof GatewayError)) throw e;
        // Header values also without their scheme word ("Bearer <token>" → "<token>").
        const values = [...(req.secrets ?? []), ...secretValues(Object.values(authHeaders).flatMap((v) => [v, v.split(/\s+/).at(-1) ?? '']))];
        const detail = scrubText(e.message, values);
        const errors = e.errors?.map((p) => ({ pointer: p.pointer, message: scrubText(p.message, values) }));
        const changed = detail !== e.message || (errors ?? []).some((p, i) => p.message !== e.errors?.[i]?.message);
        throw changed ? e.withDetail(detail, errors) : e;
      }
    },
  };
}

const FAILED_STATUS = Symbol('upstreamStatus');
type Failed = GatewayError & { [FAILED_STATUS]?: number };
