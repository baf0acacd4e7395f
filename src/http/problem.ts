import type { Context } from 'hono';
import { GatewayError, isGatewayError } from '../core/errors.js';
import type { AppEnv } from './env.js';

/** Renders every error as application/problem+json (RFC 9457). The only place errors become responses. */
export function problemResponse(c: Context<AppEnv>, err: GatewayError): Response {
  const body: Record<string, unknown> = {
    type: `https://plugboard.dev/problems/${err.code.replace(/_/g, '-')}`,
    title: err.title,
    status: err.status,
    detail: err.message,
    code: err.code,
    request_id: c.get('requestId') ?? null,
  };
  if (err.errors) body['errors'] = err.errors;
  if (err.provider) body['provider'] = err.provider;
  if (err.upstreamStatus !== undefined) body['upstream_status'] = err.upstreamStatus;
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (err.retryAfter !== undefined) headers['retry-after'] = String(err.retryAfter);
  if (err.code === 'unauthenticated') headers['www-authenticate'] = 'Bearer';
  // The rest of an oversized body is never read, so this socket cannot carry another request.
  if (err.code === 'payload_too_large') headers['connection'] = 'close';
  return new Response(JSON.stringify(body), { status: err.status, headers });
}

/** The one onError: known errors render as they are; anything else is `internal`, logged with its stack. */
export function onError(err: Error, c: Context<AppEnv>): Response {
  if (isGatewayError(err)) {
    if (err.code === 'internal') (c.get('log') ?? c.get('deps').logger).error({ err }, 'internal error');
    return problemResponse(c, err);
  }
  (c.get('log') ?? c.get('deps').logger).error({ err }, 'unhandled error');
  return problemResponse(c, new GatewayError('internal', 'An internal error occurred; the request id identifies it in the logs.'));
}

export function notFound(c: Context<AppEnv>): Response {
  return problemResponse(c, new GatewayError('not_found', `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`));
}
