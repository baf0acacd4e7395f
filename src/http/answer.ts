import type { Context } from 'hono';
import type { AppEnv } from './env.js';

/**
 * Answers built once, whole: a body and a plain header object that already carries the request
 * id. @hono/node-server writes such a Response straight from that object; Hono's `c.header()`, a
 * second header in `c.json()`, or reading `res.headers` afterwards make it a WHATWG `Headers`,
 * copied and iterated once more per response (measured: a tenth of a proxied read's CPU).
 */

const carryingId = new WeakSet<Response>();

export function answer(
  c: Context<AppEnv>,
  status: number,
  body: string | null,
  headers: Record<string, string>,
): Response {
  const requestId = c.get('requestId') as string | undefined;
  const res = new Response(body, {
    status,
    headers: requestId === undefined ? headers : { ...headers, 'x-request-id': requestId },
  });
  if (requestId !== undefined) carryingId.add(res);
  return res;
}

/** `text` (JSON already) as `application/json`. */
export function jsonAnswer(
  c: Context<AppEnv>,
  status: number,
  text: string,
  headers?: Record<string, string>,
): Response {
  return answer(c, status, text, { 'content-type': 'application/json', ...headers });
}

/** Whether `res` was built here with this request's id (the request scope then adds nothing). */
export function carriesRequestId(res: Response): boolean {
  return carryingId.has(res);
}
