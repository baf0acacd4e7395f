import { Agent, type Dispatcher } from 'undici';

/**
 * The wire under every upstream call: undici's Dispatcher API (Node's own HTTP client) with one
 * keep-alive Agent per provider and a bounded number of connections per origin. No WHATWG
 * Request/Response objects on the hot path. Bodies are read as text, up to a size limit.
 */

export interface HeaderBag {
  get(name: string): string | null;
}

export interface TransportRequest {
  origin: string;
  /** Path and query, already encoded. */
  path: string;
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  signal: AbortSignal;
}

export interface TransportResponse {
  status: number;
  headers: HeaderBag;
  /** The body as text ('' when there is none). */
  text: string;
}

/**
 * Why an attempt got no answer. `connect`: the request never left (connection refused, DNS, connect
 * timeout), so it is safe to send again whatever its method; `aborted`: the signal fired;
 * `too_large`: the answer was over the size limit; `network`: anything else (the request may have
 * reached the provider).
 */
export class TransportError extends Error {
  constructor(readonly kind: 'connect' | 'aborted' | 'too_large' | 'network', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
  }
}

export interface Transport {
  request(req: TransportRequest): Promise<TransportResponse>;
  close(): Promise<void>;
}

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'EADDRNOTAVAIL']);

export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

function bag(headers: Record<string, string | string[] | undefined>): HeaderBag {
  return {
    get(name) {
      const v = headers[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
  };
}

function codeOf(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

export interface UndiciTransportOptions {
  /** Connections per origin (default 64). */
  connections?: number;
  /** Idle keep-alive sockets close after this (default 4 s). */
  keepAliveTimeoutMs?: number;
  maxBodyBytes?: number;
  /** Another dispatcher (tests); the transport then does not own or close it. */
  dispatcher?: Dispatcher;
}

export function undiciTransport(opts: UndiciTransportOptions = {}): Transport {
  const owned = opts.dispatcher === undefined;
  const dispatcher: Dispatcher = opts.dispatcher ?? new Agent({
    connections: opts.connections ?? 64,
    keepAliveTimeout: opts.keepAliveTimeoutMs ?? 4_000,
    keepAliveMaxTimeout: 60_000,
    // Timeouts are the policy's (per attempt, via the signal), not undici's defaults.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  return {
    async request(req) {
      let res: Dispatcher.ResponseData;
      try {
        res = await dispatcher.request({ origin: req.origin, path: req.path, method: req.method as Dispatcher.HttpMethod, headers: req.headers, body: req.body ?? null, signal: req.signal });
      } catch (e) {
        if (req.signal.aborted) throw new TransportError('aborted', 'the call was aborted', { cause: e });
        const code = codeOf(e);
        throw new TransportError(code !== undefined && CONNECT_ERRORS.has(code) ? 'connect' : 'network', code ?? 'request failed', { cause: e });
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of res.body) {
          size += (chunk as Buffer).length;
          if (size > maxBody) {
            res.body.destroy();
            throw new TransportError('too_large', `the answer is larger than ${maxBody} bytes`);
          }
          chunks.push(chunk as Buffer);
        }
      } catch (e) {
        if (e instanceof TransportError) throw e;
        if (req.signal.aborted) throw new TransportError('aborted', 'the call was aborted', { cause: e });
        throw new TransportError('network', codeOf(e) ?? 'the answer was cut off', { cause: e });
      }
      return { status: res.statusCode, headers: bag(res.headers), text: Buffer.concat(chunks).toString('utf8') };
    },
    async close() {
      if (owned) await dispatcher.close();
    },
  };
}
