import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { listen } from '../../src/net.js';

/**
 * `Listening.close()`, the drain of a stop: a request in flight on a kept-alive socket is answered
 * with `Connection: close` and its socket closed with the answer, so the close is over as soon as
 * the answers are (not when the clients' keep-alive timeouts run out); idle sockets are closed at once.
 */

interface RawSocket {
  socket: Socket;
  received: () => string;
  closed: Promise<void>;
}

function open(url: string): Promise<RawSocket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = connect(Number(port), hostname, () =>
      resolve({ socket, received: () => received, closed }),
    );
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('data', (d: Buffer) => {
      received += d.toString('utf8');
    });
    socket.on('error', () => undefined);
    socket.once('connectionAttemptFailed', reject);
  });
}

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n`;

describe('close(): the drain', () => {
  it('answers the request in flight with Connection: close, closes idle kept-alive sockets, and is done when the answer is', async () => {
    let answer!: () => void;
    let arrived!: () => void;
    const inFlight = new Promise<void>((r) => {
      arrived = r;
    });
    const server = await listen(
      async (req) => {
        if (new URL(req.url).pathname === '/slow') {
          arrived();
          await new Promise<void>((r) => {
            answer = r;
          });
        }
        return new Response('ok');
      },
      { limits: { keepAliveTimeoutMs: 60_000 } },
    );

    // An idle kept-alive socket (one answer already), and one with a request in flight.
    const idle = await open(server.url);
    idle.socket.write(GET('/fast'));
    await expect.poll(() => idle.received()).toContain('\r\n\r\nok');
    expect(idle.received().toLowerCase()).toContain('connection: keep-alive');
    const busy = await open(server.url);
    busy.socket.write(GET('/slow'));
    await inFlight;

    let closed = false;
    const closing = server.close(60_000).then(() => {
      closed = true;
    });
    await idle.closed;
    expect(closed).toBe(false);

    answer();
    await busy.closed;
    expect(busy.received()).toMatch(/^HTTP\/1\.1 200/);
    expect(busy.received().toLowerCase()).toContain('connection: close');
    await closing;
    expect(closed).toBe(true);
  });
});
