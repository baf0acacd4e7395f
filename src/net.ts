import { serve, type HttpBindings } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

export type { HttpBindings };

export interface Listening {
  url: string;
  port: number;
  /** Stops accepting, lets requests in flight finish (up to `graceMs`), then closes every socket. */
  close(graceMs?: number): Promise<void>;
}

/** Serves a fetch handler on host:port (port 0 = any free port) and resolves once listening. */
export interface ListenOptions {
  host?: string;
  port?: number;
  /** Answers requests Node's parser refuses (oversized headers, bad HTTP) instead of Node's empty-bodied default. */
  clientError?: (err: Error, socket: Duplex) => void;
}

export function listen(fetchHandler: (req: Request, env: HttpBindings) => Response | Promise<Response>, opts: ListenOptions = {}): Promise<Listening> {
  const host = opts.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: fetchHandler as never, port: opts.port ?? 0, hostname: host }, (info: AddressInfo) => {
      const urlHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${urlHost}:${info.port}`,
        port: info.port,
        close: (graceMs = 10_000) => closeServer(server as Server, graceMs),
      });
    }) as Server;
    server.once('error', reject);
    if (opts.clientError) server.on('clientError', opts.clientError);
  });
}

function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
