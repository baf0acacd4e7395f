import { connect, type Socket } from 'node:net';

/**
 * Raw HTTP/1.1 clients over `node:net` for what fetch cannot do: send a request slowly, hang up
 * half-way through a body, hold sockets open.
 */

export interface SlowExchange {
  /** From the socket's connection to its close. */
  closedAfterMs: number;
  /** What the server sent before it closed the socket. */
  received: string;
  /** Bytes the client had sent when the socket closed. */
  sent: number;
}

function target(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
}

/**
 * Connects, writes `head`, then sends one byte of `drip` (repeated; nothing when empty) every
 * `everyMs` until the server closes the socket; resolves then. The client never closes on its own:
 * only the server can end the exchange (the test's own timeout bounds it).
 */
export function slowClient(
  url: string,
  head: string,
  opts: { drip?: string; everyMs?: number } = {},
): Promise<SlowExchange> {
  const { host, port } = target(url);
  const drip = opts.drip ?? 'x';
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let received = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const socket = connect(port, host, () => {
      if (head !== '') {
        socket.write(head);
        sent += Buffer.byteLength(head);
      }
      if (drip === '') return;
      let i = 0;
      timer = setInterval(() => {
        if (socket.destroyed || !socket.writable) return;
        socket.write(drip[i % drip.length] as string);
        sent += 1;
        i += 1;
      }, opts.everyMs ?? 100);
    });
    socket.on('data', (d: Buffer) => {
      received += d.toString('utf8');
    });
    // The server's reset after its answer is still the server closing the socket.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ closedAfterMs: performance.now() - started, received, sent });
    });
    socket.once('connectionAttemptFailed', reject);
  });
}

/** Sends `head` and `partialBody`, waits until they are handed to the network, then destroys the socket. */
export function hangUpMidBody(url: string, head: string, partialBody: string): Promise<void> {
  const { host, port } = target(url);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, host, () => {
      socket.write(head + partialBody, () => {
        socket.destroy();
        resolve();
      });
    });
    socket.on('error', reject);
  });
}

/** The status line's code and the JSON body of a raw HTTP/1.1 answer (`received` of a SlowExchange). */
export function parseAnswer(received: string): { status: number | null; body: unknown } {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(received);
  const at = received.indexOf('\r\n\r\n');
  let body: unknown = null;
  if (at >= 0) {
    try {
      body = JSON.parse(received.slice(at + 4));
    } catch {
      body = received.slice(at + 4);
    }
  }
  return { status: m ? Number(m[1]) : null, body };
}
