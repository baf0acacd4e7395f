import { serve, type HttpBindings } from '@hono/node-server';
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export type { HttpBindings };

export interface Listening {
  url: string;
  port: number;
  /** Stops accepting, lets requests in flight finish (up to `graceMs`), then closes every socket. */
  close(graceMs?: number): Promise<void>;
}

/**
 * What a server takes from its clients, so that slow or idle ones cannot hold its sockets: a
 * request's headers must arrive within `headersTimeoutMs` and the whole request (headers and body)
 * within `requestTimeoutMs` of its start (else 408, or the socket is closed when an answer has
 * already begun); an idle keep-alive socket is closed after `keepAliveTimeoutMs`; at most
 * `maxConnections` sockets are open at once (more are closed as they arrive). The time the gateway
 * takes to answer is not limited here (upstream calls have their own deadlines).
 */
export interface ServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

export const SERVER_LIMIT_DEFAULTS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_024,
};

/**
 * How often Node looks for requests past their headers or request timeout (its default, 30 s, lets
 * a slow client hold a socket up to 30 s longer than the limit): a quarter of the shorter limit,
 * between 10 ms and 1 s.
 */
export function connectionsCheckingInterval(
  limits: Pick<ServerLimits, 'headersTimeoutMs' | 'requestTimeoutMs'>,
): number {
  return Math.max(
    10,
    Math.min(1_000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)),
  );
}

/** Serves a fetch handler on host:port (port 0 = any free port) and resolves once listening. */
export interface ListenOptions {
  host?: string;
  port?: number;
  /** Answers requests Node's parser refuses (oversized headers, bad HTTP, a timeout) instead of Node's empty-bodied default. */
  clientError?: (err: Error, socket: Duplex) => void;
  /** The server's limits; each one absent is its default (SERVER_LIMIT_DEFAULTS). */
  limits?: Partial<ServerLimits>;
}

export function listen(
  fetchHandler: (req: Request, env: HttpBindings) => Response | Promise<Response>,
  opts: ListenOptions = {},
): Promise<Listening> {
  const host = opts.host ?? '127.0.0.1';
  const limits: ServerLimits = { ...SERVER_LIMIT_DEFAULTS, ...opts.limits };
  const serverOptions: ServerOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: connectionsCheckingInterval(limits),
  };
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: fetchHandler as never, port: opts.port ?? 0, hostname: host, serverOptions },
      (info: AddressInfo) => {
        const urlHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
        resolve({
          url: `http://${urlHost}:${info.port}`,
          port: info.port,
          close: (graceMs = 10_000) => closeServer(server as Server, graceMs),
        });
      },
    ) as Server;
    server.maxConnections = limits.maxConnections;
    trackSockets(server);
    server.once('error', reject);
    if (opts.clientError) server.on('clientError', opts.clientError);
  });
}

/** The open sockets of each server, for its close. Per connection, not per request: kept-alive sockets carry many. */
const SOCKETS = new WeakMap<Server, Set<Socket>>();

function trackSockets(server: Server): void {
  const sockets = new Set<Socket>();
  SOCKETS.set(server, sockets);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
}

/** The answer a socket is carrying now, if any (Node keeps it on the socket while it is written). */
const answerOn = (socket: Socket): ServerResponse | undefined =>
  (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;

function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    // Answers still to be written, and requests that arrive on kept-alive sockets meanwhile, say
    // `Connection: close`: each socket closes with its last answer, rather than idling until the
    // keep-alive timeout (a client does not know the server is going and would keep it open).
    const last = (res: ServerResponse) => {
      if (!res.headersSent) res.shouldKeepAlive = false;
    };
    for (const socket of SOCKETS.get(server) ?? []) {
      const res = answerOn(socket);
      if (res) last(res);
    }
    server.on('request', (_req: IncomingMessage, res: ServerResponse) => last(res));
    server.closeIdleConnections();
  });
}
