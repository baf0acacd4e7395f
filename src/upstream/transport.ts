import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';
import type { Cancellation } from '../core/cancellation.js';
import type { HeaderBag } from '../core/retry-after.js';

/**
 * The wire under every upstream call: undici's lowest-level Dispatcher API (`dispatch` with a
 * handler; Node's own HTTP client) on one keep-alive Agent per provider with a bounded number of
 * connections per origin. No WHATWG Request/Response objects and no body streams on the hot path:
 * the answer's chunks are collected as they come, up to a size limit, and read as text.
 */

export type { HeaderBag };

export interface TransportRequest {
  origin: string;
  /** Path and query, already encoded. */
  path: string;
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  /** No answer (headers and whole body) within this → TransportError 'timeout'. */
  timeoutMs: number;
  /** The caller's: when it fires, the attempt is abandoned (TransportError 'aborted'). */
  cancel?: Cancellation | undefined;
}

export interface TransportResponse {
  status: number;
  headers: HeaderBag;
  /** The body as text ('' when there is none). */
  text: string;
}

/**
 * Why an attempt got no answer. `connect`: the request never left (connection refused, DNS, connect
 * timeout), so it is safe to send again whatever its method; `timeout`: no whole answer in time;
 * `aborted`: the caller's signal fired; `too_large`: the answer was over the size limit; `network`:
 * anything else (the request may have reached the provider).
 */
export type TransportFailure = 'connect' | 'timeout' | 'aborted' | 'too_large' | 'network';

export class TransportError extends Error {
  constructor(
    readonly kind: TransportFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

export interface Transport {
  request(req: TransportRequest): Promise<TransportResponse>;
  close(): Promise<void>;
}

const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'EADDRNOTAVAIL',
]);

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

let undici: Promise<typeof Undici> | undefined;

/**
 * Loads undici once, on the first upstream call, not at start: loading it takes ~85 ms on this
 * project's machines, a quarter of the gateway's start-up, and a gateway that is started to
 * answer health checks or cached reads may not need it for a while. The first call pays it.
 */
export function loadTransport(): Promise<typeof Undici> {
  return (undici ??= import('undici'));
}

export function undiciTransport(opts: UndiciTransportOptions = {}): Transport {
  const owned = opts.dispatcher === undefined;
  let dispatcher: Dispatcher | undefined = opts.dispatcher;
  let making: Promise<Dispatcher> | undefined;
  const dispatcherFor = (): Dispatcher | Promise<Dispatcher> =>
    dispatcher ??
    (making ??= loadTransport().then(({ Agent }) => {
      dispatcher = new Agent({
        connections: opts.connections ?? 64,
        keepAliveTimeout: opts.keepAliveTimeoutMs ?? 4_000,
        keepAliveMaxTimeout: 60_000,
        // Timeouts are the policy's (per attempt), not undici's defaults.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      return dispatcher;
    }));
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  return {
    request(req) {
      const ready = dispatcherFor();
      return ready instanceof Promise ? ready.then((d) => send(d, req)) : send(ready, req);
    },
    async close() {
      if (!owned) return;
      const d = dispatcher ?? (making ? await making : undefined);
      await d?.close();
    },
  };

  function send(dispatcher: Dispatcher, req: TransportRequest): Promise<TransportResponse> {
    return new Promise<TransportResponse>((resolve, reject) => {
      let controller: Dispatcher.DispatchController | null = null;
      /** Why the attempt was cut short by us (timeout, caller gone, too large), if it was. */
      let cut: TransportError | null = null;
      let settled = false;
      let status = 0;
      let headers: Record<string, string | string[] | undefined> = {};
      const chunks: Buffer[] = [];
      let size = 0;

      const stop = (e: TransportError): void => {
        cut ??= e;
        controller?.abort(e);
      };
      const onCallerGone = (): void => stop(new TransportError('aborted', 'the call was abandoned'));
      const timer = setTimeout(
        () => stop(new TransportError('timeout', `no answer within ${req.timeoutMs} ms`)),
        req.timeoutMs,
      );
      const listening: { stop?: (() => void) | undefined } = {};
      const settle = (e: TransportError | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        listening.stop?.();
        if (e) reject(e);
        else
          resolve({
            status,
            headers: bag(headers),
            text:
              chunks.length === 1
                ? (chunks[0] as Buffer).toString('utf8')
                : Buffer.concat(chunks).toString('utf8'),
          });
      };
      if (req.cancel?.aborted) {
        settle(new TransportError('aborted', 'the call was abandoned'));
        return;
      }
      listening.stop = req.cancel?.onAbort(onCallerGone);

      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(c) {
          controller = c;
          if (cut) c.abort(cut);
        },
        onResponseStart(_c, statusCode, h) {
          status = statusCode;
          headers = h;
        },
        onResponseData(c, chunk) {
          size += chunk.length;
          if (size > maxBody) {
            stop(new TransportError('too_large', `the answer is larger than ${maxBody} bytes`));
            return;
          }
          chunks.push(chunk);
        },
        onResponseEnd() {
          settle(cut);
        },
        onResponseError(_c, e) {
          if (cut) return settle(cut);
          const code = codeOf(e);
          settle(
            new TransportError(
              code !== undefined && CONNECT_ERRORS.has(code) ? 'connect' : 'network',
              code ?? 'request failed',
              { cause: e },
            ),
          );
        },
      };
      try {
        dispatcher.dispatch(
          {
            origin: req.origin,
            path: req.path,
            method: req.method as Dispatcher.HttpMethod,
            headers: req.headers,
            body: req.body ?? null,
          },
          handler,
        );
      } catch (e) {
        settle(new TransportError('network', codeOf(e) ?? 'request failed', { cause: e }));
      }
    });
  }
}
