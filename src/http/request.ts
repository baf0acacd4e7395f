import type { Context } from 'hono';
import type { AppEnv, RequestContext } from './env.js';

/** The services' view of this request (caller, request id, trace context); one object per request. */
export function serviceContext(c: Context<AppEnv>): RequestContext {
  const existing = c.get('serviceContext');
  if (existing) return existing;
  const ctx: RequestContext = {
    requestId: c.get('requestId'),
    traceparent: c.req.header('traceparent'),
    caller: c.get('caller'),
    // Fires when the caller disconnects: its upstream calls are abandoned.
    signal: c.req.raw.signal,
  };
  c.set('serviceContext', ctx);
  return ctx;
}
