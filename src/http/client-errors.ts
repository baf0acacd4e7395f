import type { Duplex } from 'node:stream';
import { GatewayError } from '../core/errors.js';
import { problemBody } from './problem.js';
import { markTimedOut } from './timed-out.js';

/** Longest request target (path and query) the gateway reads: longer is 414. */
export const MAX_URL_BYTES = 8 * 1024;

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
};

/** How long an answered socket is left to its client to close before it is destroyed. */
const CLOSE_GRACE_MS = 1_000;

/**
 * Node's HTTP parser refuses some requests before any route sees them (headers over its limit, a
 * request it cannot parse), and the server cuts requests whose headers or body do not arrive in
 * time (net.ts); Node would answer with an empty body. This answers with problem+json instead: 414
 * when the request line alone is too long, 431 for too many header bytes, 408 `request_timeout`
 * for a request cut for time, 400 for a request that is not HTTP; then closes the socket, also
 * when the client keeps sending. A request whose answer has begun gets no second one: its socket
 * is only closed. Wired as the server's `clientError` listener.
 */
export function answerClientError(err: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex): void {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    markTimedOut(socket);
    // Read no more of it: a body that completed now would be served after its 408 was sent.
    socket.pause();
  }
  // The response Node is writing on this socket, if any (`_httpMessage` is how Node's own handler tells).
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (!socket.writable || err.code === 'ECONNRESET' || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  let problem: GatewayError;
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    const firstLine = err.rawPacket
      ? err.rawPacket.subarray(0, Math.max(0, err.rawPacket.indexOf('\r\n'))).length
      : 0;
    const requestLineTooLong =
      err.rawPacket !== undefined && (err.rawPacket.indexOf('\r\n') < 0 || firstLine > MAX_URL_BYTES);
    problem = requestLineTooLong
      ? new GatewayError('uri_too_long', `The request target is longer than ${MAX_URL_BYTES} bytes.`)
      : new GatewayError('headers_too_large', 'The request headers are larger than the server accepts.');
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    problem = new GatewayError(
      'request_timeout',
      'The request did not arrive in time: its headers or its body came too slowly.',
    );
  } else {
    problem = new GatewayError('validation_failed', 'The request is not valid HTTP.');
  }
  const body = JSON.stringify(problemBody(problem, null));
  socket.end(
    `HTTP/1.1 ${problem.status} ${REASONS[problem.status] ?? 'Error'}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
  // Ending only our side would leave the socket to a client that keeps sending; destroying it at
  // once could reset the connection before the client has read the answer. A client that closes
  // its side closes the socket; any other is cut after a short grace.
  const grace = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  grace.unref();
  socket.once('close', () => clearTimeout(grace));
}
