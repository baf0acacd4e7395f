import type { Duplex } from 'node:stream';
import { GatewayError } from '../core/errors.js';
import { problemBody } from './problem.js';

/** Longest request target (path and query) the gateway reads: longer is 414. */
export const MAX_URL_BYTES = 8 * 1024;

const REASONS: Record<number, string> = { 400: 'Bad Request', 414: 'URI Too Long', 431: 'Request Header Fields Too Large' };

/**
 * Node's HTTP parser refuses some requests before any route sees them (headers over its limit, a
 * request it cannot parse); it would answer with an empty body. This answers with problem+json
 * instead: 414 when the request line alone is too long, 431 for too many header bytes, 400 for a
 * request that is not HTTP. Wired as the server's `clientError` listener.
 */
export function answerClientError(err: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  let problem: GatewayError;
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    const firstLine = err.rawPacket ? err.rawPacket.subarray(0, Math.max(0, err.rawPacket.indexOf('\r\n'))).length : 0;
    const requestLineTooLong = err.rawPacket !== undefined && (err.rawPacket.indexOf('\r\n') < 0 || firstLine > MAX_URL_BYTES);
    problem = requestLineTooLong
      ? new GatewayError('uri_too_long', `The request target is longer than ${MAX_URL_BYTES} bytes.`)
      : new GatewayError('headers_too_large', 'The request headers are larger than the server accepts.');
  } else {
    problem = new GatewayError('validation_failed', 'The request is not valid HTTP.');
  }
  const body = JSON.stringify(problemBody(problem, null));
  socket.end(`HTTP/1.1 ${problem.status} ${REASONS[problem.status] ?? 'Error'}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
