import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One delivery as the receiver got it: the exact bytes and headers, for verification. */
export interface Received {
  headers: Record<string, string>;
  body: string;
  at: number;
}

/** What the receiver answers: a status (and headers), or `hold` (no answer until released or the client gives up). */
export type Answer = { status: number; headers?: Record<string, string> } | 'hold';

/**
 * A webhook receiver on a loopback port (0): records every request and answers from a script
 * (`answers`, one per request, then `otherwise`). Deliveries are verified with the official
 * `standardwebhooks` library, never with the gateway's own code.
 */
export class TestReceiver {
  readonly received: Received[] = [];
  readonly answers: Answer[] = [];
  otherwise: Answer = { status: 204 };
  readonly #held = new Set<ServerResponse>();
  readonly #sockets = new Set<Socket>();
  readonly #server = createServer((req, res) => void this.#handle(req, res));
  url = '';

  static async start(): Promise<TestReceiver> {
    const r = new TestReceiver();
    r.#server.on('connection', (s) => {
      r.#sockets.add(s);
      s.once('close', () => r.#sockets.delete(s));
    });
    await new Promise<void>((ok) => r.#server.listen(0, '127.0.0.1', ok));
    r.url = `http://127.0.0.1:${(r.#server.address() as AddressInfo).port}`;
    return r;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += (chunk as Buffer).toString('utf8');
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
    );
    this.received.push({ headers, body, at: performance.now() });
    const answer = this.answers.shift() ?? this.otherwise;
    if (answer === 'hold') {
      this.#held.add(res);
      res.once('close', () => this.#held.delete(res));
      return;
    }
    res.writeHead(answer.status, answer.headers).end();
  }

  /** Requests held unanswered now. */
  get holding(): number {
    return this.#held.size;
  }

  /** Answers every held request with this status. */
  release(status = 204): void {
    for (const res of this.#held) res.writeHead(status).end();
    this.#held.clear();
  }

  /** The deliveries verified with `secret` (each throws if its signature does not verify), parsed. */
  verified(
    secret: string,
  ): Array<{ id: string; payload: { type: string; timestamp: string; data: Record<string, unknown> } }> {
    const wh = new Webhook(secret);
    return this.received.map((r) => ({
      id: r.headers['webhook-id'] ?? '',
      payload: wh.verify(r.body, r.headers) as {
        type: string;
        timestamp: string;
        data: Record<string, unknown>;
      },
    }));
  }

  async close(): Promise<void> {
    this.release(503);
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((ok) => this.#server.close(() => ok()));
  }
}
