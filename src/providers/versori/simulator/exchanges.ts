import type { MiddlewareHandler } from 'hono';
import type { SimEnv } from '../../../simulator/kit.js';

/** One request to the Switchboard API and the simulator's answer. */
export interface SimExchange {
  method: string;
  path: string;
  /** The query string without `?`. */
  query: string;
  authorization: string | null;
  requestBody: unknown;
  status: number;
  responseBody: unknown;
}

/** JSON text as a value; other text as it is; nothing as undefined. */
function parse(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Keeps each request with its answer in `exchanges` (tests validate them against the spec). */
export function recordExchanges(exchanges: SimExchange[]): MiddlewareHandler<SimEnv> {
  return async (c, next) => {
    const requestText = ['GET', 'HEAD', 'DELETE'].includes(c.req.method)
      ? ''
      : await c.req.raw.clone().text();
    await next();
    const responseText = await c.res.clone().text();
    const url = new URL(c.req.url);
    exchanges.push({
      method: c.req.method,
      path: url.pathname,
      query: url.search.replace(/^\?/, ''),
      authorization: c.req.header('authorization') ?? null,
      requestBody: parse(requestText),
      status: c.res.status,
      responseBody: parse(responseText),
    });
  };
}
