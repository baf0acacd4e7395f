import type { Context, Env, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * An error answer a simulator route ends with: thrown from wherever the problem is found (a body
 * check, a lookup), sent as JSON by the simulator's error handler, so routes read straight through.
 * Each provider builds the body in its own shape.
 */
export class SimulatorError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly body: object,
    readonly headers: Record<string, string> = {},
  ) {
    super(`simulated ${status} answer`);
  }
}

/** Ends the request with a JSON error answer. */
export function fail(status: ContentfulStatusCode, body: object, headers?: Record<string, string>): never {
  throw new SimulatorError(status, body, headers);
}

/** What Hono itself answers to an error no route meant: the error logged, a plain-text 500. */
function honoDefault(e: Error, c: Context): Response {
  if (e instanceof HTTPException) {
    const res = e.getResponse();
    return c.newResponse(res.body, res);
  }
  console.error(e);
  return c.text('Internal Server Error', 500);
}

/** A simulator's error handler: a SimulatorError is sent as its JSON answer, anything else goes to `otherwise`. */
export function answerErrors<E extends Env>(otherwise: ErrorHandler<E> = honoDefault): ErrorHandler<E> {
  return (e, c) => (e instanceof SimulatorError ? c.json(e.body, e.status, e.headers) : otherwise(e, c));
}
