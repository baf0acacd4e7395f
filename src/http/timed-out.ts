/**
 * A mark on a socket whose request the server cut because its headers or body came too slowly
 * (net.ts limits): the cut is answered on the socket (client-errors.ts), and the route that was
 * still reading the body logs the request as 408 rather than as a caller that went away.
 */

const TIMED_OUT: unique symbol = Symbol('plugboard.requestTimedOut');
type Marked = { [TIMED_OUT]?: true };

export function markTimedOut(socket: object): void {
  (socket as Marked)[TIMED_OUT] = true;
}

export function requestTimedOut(socket: object | null | undefined): boolean {
  return socket !== null && socket !== undefined && (socket as Marked)[TIMED_OUT] === true;
}
