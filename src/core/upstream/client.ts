import type { Logger } from 'pino';
import type { AdapterDeps, CallContext, CommonProviderConfig } from '../adapter.js';
import { GatewayError, type FieldProblem } from '../errors.js';
import { scrubText, secretValues } from '../secret.js';
import { CallAborted } from './call-aborted.js';
import { upstreamSettings, UpstreamPolicy, type CachedAnswer } from './policy.js';
import { unsafeSegment } from './segment.js';
import { TransportError, type HeaderBag, type TransportResponse } from './transport.js';

/**
 * The one way an adapter talks to its upstream. Runs every call through the provider's policy
 * (policy.ts): token bucket, circuit breaker, read cache and coalescing, per-attempt timeout and
 * overall deadline, retries where safe within a budget, Retry-After. Propagates the request id and
 * trace context, writes one log line per attempt, and maps failures to the contract's errors with
 * every secret the call carried scrubbed from them. Adapters know none of it.
 */

export interface UpstreamAuth {
  /** Headers that authenticate one call (may fetch a token). */
  headers(ctx: CallContext): Promise<Record<string, string>> | Record<string, string>;
  /**
   * Drop cached credentials after a 401; the call is then sent once more with fresh headers.
   * Receives the headers that were refused, so a late 401 never drops credentials fetched since.
   */
  invalidate?(refused: Record<string, string>): void;
}

export interface UpstreamFailure {
  status: number;
  headers: HeaderBag;
  /** Parsed JSON when the body was JSON, else the text (possibly empty). */
  body: unknown;
}

export interface UpstreamClientOptions {
  policy: UpstreamPolicy;
  baseUrl: string;
  auth: UpstreamAuth;
  /** Turns a non-2xx upstream answer into the contract error. */
  mapError: (failure: UpstreamFailure) => GatewayError;
}

/** What every provider's client takes from its config entry and the adapter's deps. */
export interface ProviderClientOptions {
  providerId: string;
  baseUrl?: string | undefined;
  logger: Logger;
  /** The provider's one policy, shared by all of its clients. */
  policy: UpstreamPolicy;
  now?: (() => number) | undefined;
}

/** The options of a provider's clients: the gateway's policy for this entry, or (tests) one built from the entry alone. */
export function providerClientOptions(config: CommonProviderConfig, deps: AdapterDeps): ProviderClientOptions {
  const policy = deps.upstream ?? new UpstreamPolicy(config.id, upstreamSettings(config), { logger: deps.logger, now: deps.now });
  return { providerId: config.id, baseUrl: config.baseUrl, logger: deps.logger, policy, now: deps.now };
}

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below baseUrl, starting with `/`; segments must already be encoded (use `path\`\``). */
  path: string;
  /** What the call is, for metrics (`connections.get`): never an id. */
  operation: string;
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
  headers: HeaderBag;
  body: T;
}

export interface UpstreamClient {
  call<T = unknown>(ctx: CallContext, req: UpstreamRequest): Promise<UpstreamResponse<T>>;
}

/**
 * Tagged template that encodes every interpolated path segment, and refuses a value that is not a
 * safe segment (segment.ts): encoding leaves `.` and `..` as they are, so `…/organizations/${'..'}/connections`
 * would reach a tenant-wide path with the gateway's own credentials. Values reach here from
 * storage (a link, an upstream id): what a caller sends is refused with a 400 before it is stored,
 * and what an upstream gives out is refused with a 502 when it arrives. One that still gets here
 * is the gateway's own fault (data stored before a check existed): `internal`, and never sent.
 */
export function path(strings: TemplateStringsArray, ...values: string[]): string {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? safeSegment(values[i] as string) : ''), '');
}

function safeSegment(value: string): string {
  const problem = unsafeSegment(value);
  if (problem !== null) throw new GatewayError('internal', `The gateway refused to call a provider with an unsafe path segment: it ${problem}.`);
  return encodeURIComponent(value);
}

/** Seconds to wait from a `Retry-After` (seconds or HTTP date) or an epoch-seconds reset header. */
export function retryAfterSeconds(headers: HeaderBag, now = Date.now()): number | undefined {
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
 * may name the fields of the caller's request that the upstream refused (`errors`). A 503 that
 * says when to come back keeps its `Retry-After` (503 `upstream_unavailable`).
 */
export function upstreamError(providerId: string, status: number, detail: string, headers?: HeaderBag, errors?: FieldProblem[]): GatewayError {
  const base = { provider: providerId, upstreamStatus: status, ...(errors && errors.length > 0 ? { errors } : {}) };
  const retryAfter = headers ? retryAfterSeconds(headers) : undefined;
  if (status === 404) return new GatewayError('not_found', detail, base);
  if (status === 429) return new GatewayError('rate_limited', detail, retryAfter === undefined ? base : { ...base, retryAfter });
  if (status === 503 && retryAfter !== undefined) return new GatewayError('upstream_unavailable', detail, { ...base, retryAfter });
  if (status === 408 || status === 504) return new GatewayError('upstream_timeout', detail, base);
  if (status === 401 || status === 403) {
    return new GatewayError('upstream_error', `The gateway's credentials for provider ${providerId} were refused (${status}): ${detail}`, base);
  }
  if (status >= 400 && status < 500) return new GatewayError('upstream_rejected', detail, base);
  return new GatewayError('upstream_error', detail, base);
}

/** Methods a retry cannot repeat the effect of; POST and PATCH are sent again only when they provably never left. */
const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE']);
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
/** What counts against the provider's health: no answer, timeouts, 5xx. */
const isUnwell = (status: number) => status >= 500 || status === 408;

function parseBody(text: string): unknown {
  if (text === '') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function queryString(query: UpstreamRequest['query']): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.append(k, String(v));
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

/** The collection a write touches: a write to `/a/b/c` invalidates cached reads of `/a/b…`. */
function collectionOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i > 0 ? p.slice(0, i) : p;
}

export { CallAborted };

export function createUpstreamClient(opts: UpstreamClientOptions): UpstreamClient {
  const { policy } = opts;
  const settings = policy.settings;
  const base = new URL(opts.baseUrl.replace(/\/+$/, ''));
  const origin = base.origin;
  const basePath = base.pathname.replace(/\/+$/, '');
  const providerId = policy.providerId;
  const m = policy.metrics;
  const provider = { provider: providerId };

  const fail = (code: 'upstream_timeout' | 'upstream_error', detail: string, cause?: unknown) =>
    new GatewayError(code, detail, { provider: providerId, ...(cause === undefined ? {} : { cause }) });

  /** One HTTP attempt: its answer, or a TransportError. */
  async function attempt(ctx: CallContext, req: UpstreamRequest, target: string, authHeaders: Record<string, string>, timeoutMs: number, n: number): Promise<TransportResponse> {
    const headers: Record<string, string> = { accept: 'application/json', 'x-request-id': ctx.requestId, ...authHeaders };
    if (ctx.traceparent) headers['traceparent'] = ctx.traceparent;
    let body: string | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json';
    } else if (req.form !== undefined) {
      body = new URLSearchParams(req.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const started = performance.now();
    const line = { method: req.method, path: req.path, attempt: n, request_id: ctx.requestId };
    try {
      const res = await policy.transport.request({ origin, path: target, method: req.method, headers, body, timeoutMs, signal: ctx.signal });
      policy.log.info({ ...line, status: res.status, duration_ms: Math.round((performance.now() - started) * 10) / 10 }, 'upstream call');
      m?.attempts.inc({ ...provider, outcome: String(res.status) });
      return res;
    } catch (e) {
      const duration_ms = Math.round((performance.now() - started) * 10) / 10;
      const outcome = !(e instanceof TransportError) ? 'network' : e.kind === 'aborted' ? 'caller_gone' : e.kind;
      policy.log.warn({ ...line, status: null, outcome, duration_ms }, 'upstream call');
      m?.attempts.inc({ ...provider, outcome });
      if (e instanceof TransportError && e.kind === 'aborted') throw new CallAborted();
      throw e;
    }
  }

  /** The call with its retries; a failure comes out with every secret the call carried scrubbed from it. */
  async function send(ctx: CallContext, req: UpstreamRequest, target: string): Promise<TransportResponse> {
    const used: { auth: Record<string, string> } = { auth: {} };
    try {
      return await sendAttempts(ctx, req, target, used);
    } catch (e) {
      if (!(e instanceof GatewayError)) throw e;
      // Header values also without their scheme word ("Bearer <token>" → "<token>").
      const values = [...(req.secrets ?? []), ...secretValues(Object.values(used.auth).flatMap((v) => [v, v.split(/\s+/).at(-1) ?? '']))];
      const detail = scrubText(e.message, values);
      const errors = e.errors?.map((p) => ({ pointer: p.pointer, message: scrubText(p.message, values) }));
      const changed = detail !== e.message || (errors ?? []).some((p, i) => p.message !== e.errors?.[i]?.message);
      throw changed ? e.withDetail(detail, errors) : e;
    }
  }

  /**
   * The breaker around the call: it counts calls, not attempts, so a provider that fails now and
   * then (and is saved by a retry) does not open it; one that keeps failing does.
   */
  async function sendAttempts(ctx: CallContext, req: UpstreamRequest, target: string, used: { auth: Record<string, string> }): Promise<TransportResponse> {
    // First the credentials: fetching a token is itself a call to the provider through this policy
    // (and, while the circuit is half-open, the probe that closes it).
    const authHeaders = req.anonymous ? {} : await opts.auth.headers(ctx);
    used.auth = authHeaders;
    const breaker = policy.breaker;
    const closedFor = breaker?.acquire() ?? 0;
    if (closedFor > 0) {
      throw new GatewayError('upstream_unavailable', `Provider ${providerId} is failing; the gateway is not calling it for now (circuit open).`,
        { provider: providerId, retryAfter: Math.ceil(closedFor / 1000) });
    }
    const health = { attempted: false, unwell: false };
    try {
      const res = await attempts(ctx, req, target, used, authHeaders, health);
      breaker?.success();
      return res;
    } catch (e) {
      // Nothing learnt of the provider (the caller left, or no attempt was sent): the claim is handed back.
      if (e instanceof CallAborted || !health.attempted) breaker?.release();
      else if (health.unwell) breaker?.failure();
      else breaker?.success();
      throw e;
    }
  }

  /** Limiter, attempts, backoff, budget, deadline; `health` tells whether an attempt was sent and how the last one ended. */
  async function attempts(ctx: CallContext, req: UpstreamRequest, target: string, used: { auth: Record<string, string> },
    firstAuth: Record<string, string>, health: { attempted: boolean; unwell: boolean }): Promise<TransportResponse> {
    const deadline = policy.now() + settings.deadlineMs;
    let authHeaders = firstAuth;
    let reauthorized = false;
    policy.budget.deposit();
    let last: GatewayError | undefined;
    for (let n = 1; ; n += 1) {
      const throttled = policy.limiter?.take() ?? 0;
      if (throttled > 0) {
        // A retry that would break the provider's budget is not sent: the caller gets the failure it retried.
        if (last) throw last;
        throw new GatewayError('rate_limited', `The gateway keeps within provider ${providerId}'s request budget; try again shortly.`,
          { provider: providerId, retryAfter: Math.ceil(throttled / 1000) });
      }
      const remaining = deadline - policy.now();
      let retryReason: string;
      let waitAtLeast = 0;
      try {
        health.attempted = true;
        const res = await attempt(ctx, req, target, authHeaders, Math.max(1, Math.min(settings.timeoutMs, remaining)), n);
        health.unwell = isUnwell(res.status);
        if (res.status === 401 && !req.anonymous && opts.auth.invalidate && !reauthorized) {
          // The token may have expired in between: fetch a fresh one and send once more.
          reauthorized = true;
          opts.auth.invalidate(authHeaders);
          authHeaders = await opts.auth.headers(ctx);
          used.auth = { ...used.auth, ...authHeaders };
          n -= 1;
          continue;
        }
        if (res.status < 400) return res;
        const failure = { status: res.status, headers: res.headers, body: parseBody(res.text) };
        last = opts.mapError(failure);
        if (!RETRY_STATUSES.has(res.status) || !IDEMPOTENT.has(req.method)) throw last;
        const wait = res.status === 429 || res.status === 503 ? retryAfterSeconds(res.headers, policy.now()) : undefined;
        if (wait !== undefined) {
          waitAtLeast = wait * 1000;
          // Never sooner than the provider asked; asked to wait past the deadline → the caller gets it at once.
          if (waitAtLeast >= deadline - policy.now()) throw last;
        }
        retryReason = String(res.status);
      } catch (e) {
        if (e instanceof GatewayError || e instanceof CallAborted) throw e;
        if (!(e instanceof TransportError)) throw e;
        if (e.kind === 'too_large') {
          health.unwell = false;
          throw fail('upstream_error', `Provider ${providerId} answered with a body larger than the gateway reads.`);
        }
        health.unwell = true;
        const timedOut = e.kind === 'timeout';
        last = timedOut
          ? fail('upstream_timeout', `Provider ${providerId} did not answer within ${Math.min(settings.timeoutMs, remaining)} ms.`)
          : fail('upstream_error', `Provider ${providerId} could not be reached.`, e);
        // A POST or PATCH is sent again only when it provably never left (the connection was never made).
        if (!IDEMPOTENT.has(req.method) && e.kind !== 'connect') throw last;
        retryReason = e.kind;
      }
      if (n >= settings.retry.attempts) throw last;
      const left = deadline - policy.now();
      const backoff = Math.random() * Math.min(settings.retry.maxDelayMs, settings.retry.baseDelayMs * 2 ** (n - 1));
      const delay = Math.max(waitAtLeast, backoff);
      if (delay >= left || left <= 1) throw last;
      if (!policy.budget.withdraw()) {
        m?.retries.inc({ ...provider, reason: 'budget_exhausted' });
        throw last;
      }
      m?.retries.inc({ ...provider, reason: retryReason });
      try {
        await policy.sleep(delay, ctx.signal);
      } catch {
        throw new CallAborted();
      }
    }
  }

  /** A GET's answer, from the cache, from an identical read in flight, or from the provider. */
  async function read(ctx: CallContext, req: UpstreamRequest, target: string): Promise<CachedAnswer> {
    const cache = policy.cache;
    const fresh = ctx.fresh === true;
    if (!fresh && cache) {
      const hit = cache.get(target);
      m?.cache.inc({ ...provider, result: hit ? 'hit' : 'miss' });
      if (hit) return hit;
    }
    const epoch = cache?.epoch ?? 0;
    const fetchOnce = async (callCtx: CallContext): Promise<CachedAnswer> => {
      const response = await send(callCtx, req, target);
      const answer = { response, body: parseBody(response.text) };
      cache?.set(target, answer, epoch);
      return answer;
    };
    // A read before a write (If-Match, read-merge-write) always goes to the provider, alone.
    if (fresh) return fetchOnce(ctx);
    // Shared by whoever asks meanwhile (not across a write); abandoned only when all of them have gone.
    const shared = policy.coalescer.run(`${policy.generation}\u0000${target}`,
      (signal) => fetchOnce({ requestId: ctx.requestId, traceparent: ctx.traceparent, signal }), ctx.signal);
    if (shared.joined) m?.coalesced.inc(provider);
    return shared.promise;
  }

  return {
    async call<T>(ctx: CallContext, req: UpstreamRequest): Promise<UpstreamResponse<T>> {
      const target = basePath + req.path + queryString(req.query);
      const started = performance.now();
      const labels = { ...provider, operation: req.operation };
      try {
        let response: TransportResponse;
        let body: unknown;
        if (req.method === 'GET') {
          ({ response, body } = await read(ctx, req, target));
        } else {
          try {
            response = await send(ctx, req, target);
          } finally {
            // Even a failed write may have been applied: what was cached there is stale either way.
            policy.wrote(collectionOf(basePath + req.path));
          }
          body = parseBody(response.text);
        }
        m?.calls.inc({ ...labels, outcome: 'ok' });
        return { status: response.status, headers: response.headers, body: body as T };
      } catch (e) {
        m?.calls.inc({ ...labels, outcome: e instanceof GatewayError ? e.code : 'aborted' });
        throw e;
      } finally {
        m?.duration.observe(labels, (performance.now() - started) / 1000);
      }
    },
  };
}
