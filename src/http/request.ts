import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import type { Logger } from 'pino';
import { cancellationOf, Trigger, type Cancellation } from '../core/cancellation.js';
import type { AppEnv, RequestContext } from './env.js';
import { requestTimedOut } from './timed-out.js';
import { upstreamTraceparent } from './traceparent.js';

/** The services' view of this request (caller, request id, trace context); one object per request. */
export function serviceContext(c: Context<AppEnv>): RequestContext {
  const existing = c.get('serviceContext');
  if (existing) return existing;
  const gone = callerGoneTrigger(c);
  const ctx: RequestContext = {
    requestId: c.get('requestId'),
    // Checked: a malformed one is replaced by a fresh one, never passed on (traceparent.ts).
    traceparent: upstreamTraceparent(c.req.header('traceparent')),
    caller: c.get('caller'),
    idempotency: c.get('idempotency'),
    attempts: c.get('accessLine'),
    // Fires when the caller disconnects: its upstream calls are abandoned. The AbortSignal is made
    // only for whoever reads it (the engine listens to `cancel`).
    cancel: gone,
    get signal() {
      return gone instanceof Trigger ? gone.signal : c.req.raw.signal;
    },
  };
  c.set('serviceContext', ctx);
  return ctx;
}

/**
 * What fires when the caller goes away before its answer is sent. On Node's server it listens to
 * the response's `close` (reading `c.req.raw.signal` would build a whole WHATWG Request for every
 * call, a large share of a read's cost); elsewhere it is the Request's own signal.
 */
function callerGoneTrigger(c: Context<AppEnv>): Cancellation {
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
  if (!outgoing) return cancellationOf({ signal: c.req.raw.signal }) as Cancellation;
  const gone = new Trigger();
  outgoing.once('close', () => {
    if (!outgoing.writableFinished) gone.fire();
  });
  return gone;
}

/**
 * Whether the caller is gone before its answer: it hung up (also mid-body, so its request can
 * never be read whole, whatever error reading it then raised), or the server cut its request for
 * time. On Node's server: the response's socket closed before the answer was written; elsewhere,
 * the Request's own signal.
 */
export function callerGone(c: Context<AppEnv>): boolean {
  if (c.get('serviceContext')?.cancel?.aborted === true) return true;
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
  if (outgoing) return outgoing.destroyed && !outgoing.writableFinished;
  return c.req.raw.signal.aborted;
}

/** Whether the server cut this request because its headers or body came too slowly (net.ts limits). */
export function cutForTime(c: Context<AppEnv>): boolean {
  return requestTimedOut((c.env as Partial<HttpBindings> | undefined)?.incoming?.socket);
}

/** A logger whose lines carry the request id (made when a line is written: most requests write only their access line). */
export function requestLog(c: Context<AppEnv>): Logger {
  const logger = c.get('deps').logger;
  const requestId = c.get('requestId') as string | undefined;
  return requestId === undefined ? logger : logger.child({ request_id: requestId });
}
