import type { Context, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ERROR_STATUS, GatewayError, isGatewayError, type ErrorCode } from '../core/errors.js';
import { answer } from './answer.js';
import type { AppEnv } from './env.js';
import { callerGone, cutForTime, requestLog } from './request.js';

/** The problem body (RFC 9457) of an error; `requestId` is null where no request scope exists (a refused connection). */
export function problemBody(err: GatewayError, requestId: string | null): Record<string, unknown> {
  const body: Record<string, unknown> = {
    type: `https://plugboard.dev/problems/${err.code.replace(/_/g, '-')}`,
    title: err.title,
    status: err.status,
    detail: err.message,
    code: err.code,
    request_id: requestId,
  };
  if (err.errors) body['errors'] = err.errors;
  if (err.provider) body['provider'] = err.provider;
  if (err.upstreamStatus !== undefined) body['upstream_status'] = err.upstreamStatus;
  return body;
}

/** Renders every error as application/problem+json (RFC 9457). The only place errors become responses. */
export function problemResponse(c: Context<AppEnv>, err: GatewayError): Response {
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (err.retryAfter !== undefined) headers['retry-after'] = String(err.retryAfter);
  if (err.allow !== undefined) headers['allow'] = err.allow.join(', ');
  if (err.code === 'unauthenticated') headers['www-authenticate'] = 'Bearer';
  // The rest of an oversized body is never read, so this socket cannot carry another request.
  if (err.code === 'payload_too_large') headers['connection'] = 'close';
  return answer(c, err.status, JSON.stringify(problemBody(err, c.get('requestId') ?? null)), headers);
}

/** What the request-reading machinery (Hono's validators) throws, as the contract's codes. */
const HTTP_EXCEPTION_CODES: Partial<Record<number, [ErrorCode, string]>> = {
  400: ['malformed_json', 'The body is not valid JSON.'],
  413: ['payload_too_large', 'The body is too large.'],
  415: ['unsupported_media_type', 'This Content-Type is not accepted here.'],
};

/** The status logged for a request whose caller went away before its answer (nginx's 499). */
export const CALLER_GONE = 499;

/** The one onError: known errors render as they are; anything else is `internal`, logged with its stack. */
export function onError(err: Error, c: Context<AppEnv>): Response {
  if (callerGone(c)) {
    // The caller went away (mid-body too: whatever reading the rest then threw), and its upstream
    // calls were abandoned: nobody reads this answer. 499, as nginx logs it, keeps it apart from
    // the gateway's own failures in the log and the metrics. A request the server cut for arriving
    // too slowly was answered 408 on its socket (client-errors.ts) and is logged so.
    const log = requestLog(c);
    if (cutForTime(c)) {
      log.info({ reason: err.message }, 'request timed out');
      return new Response(null, { status: ERROR_STATUS.request_timeout });
    }
    log.info({ reason: err.message }, 'caller went away');
    return new Response(null, { status: CALLER_GONE });
  }
  if (isGatewayError(err)) {
    if (err.code === 'internal') requestLog(c).error({ err }, 'internal error');
    return problemResponse(c, err);
  }
  if (err instanceof HTTPException) {
    const known = HTTP_EXCEPTION_CODES[err.status];
    if (known) return problemResponse(c, new GatewayError(known[0], known[1]));
  }
  requestLog(c).error({ err }, 'unhandled error');
  return problemResponse(
    c,
    new GatewayError('internal', 'An internal error occurred; the request id identifies it in the logs.'),
  );
}

/**
 * The answer for a request no route takes: 405 with `Allow` when the path is one of the API's
 * (the paths of the routes registered with their OpenAPI definitions, so the list is complete), else 404.
 */
export function methodNotAllowed(app: {
  openAPIRegistry: { definitions: ReadonlyArray<unknown> };
}): NotFoundHandler<AppEnv> {
  let table: Array<{ pattern: RegExp; methods: string[] }> | undefined;
  const build = () => {
    const byPath = new Map<string, Set<string>>();
    for (const d of app.openAPIRegistry.definitions as Array<{
      type?: string;
      route?: { method: string; path: string };
    }>) {
      if (d.type !== 'route' || !d.route) continue;
      const methods = byPath.get(d.route.path) ?? new Set<string>();
      methods.add(d.route.method.toUpperCase());
      if (d.route.method === 'get') methods.add('HEAD');
      byPath.set(d.route.path, methods);
    }
    return [...byPath].map(([path, methods]) => ({
      pattern: new RegExp(
        `^${path
          .split('/')
          .map((seg) => (/^\{.+\}$/.test(seg) ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
          .join('/')}$`,
      ),
      methods: [...methods],
    }));
  };
  return (c) => {
    const path = new URL(c.req.url).pathname;
    const allow = [
      ...new Set((table ??= build()).filter((r) => r.pattern.test(path)).flatMap((r) => r.methods)),
    ];
    if (allow.length > 0) {
      return problemResponse(
        c,
        new GatewayError(
          'method_not_allowed',
          `${c.req.method} is not allowed on ${path}; allowed: ${allow.join(', ')}.`,
          { allow },
        ),
      );
    }
    return problemResponse(c, new GatewayError('not_found', `No route for ${c.req.method} ${path}.`));
  };
}
