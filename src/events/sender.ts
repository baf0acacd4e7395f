import type * as Undici from 'undici';
import { retryAfterSeconds } from '../core/retry-after.js';
import { hostOf, type WebhookUrlGuard } from './url-guard.js';

/** How one POST to a receiver ended: its status (any), or why there was none. */
export interface SendResult {
  status: number | null;
  /** Milliseconds a 429/503 asked to wait. */
  retryAfterMs: number | undefined;
  /** For the delivery log: `HTTP 500`, `timeout after 15000 ms`, `refused: …`; null on a 2xx. */
  error: string | null;
}

/** What is read of a receiver's answer before it is dropped: its status is all that counts. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Sends deliveries: one keep-alive agent whose sockets connect only where the URL guard allows
 * (the address is checked on every connect, a literal IP before the request), redirects never
 * followed, one deadline for the whole answer. undici loads on the first delivery.
 */
export class WebhookSender {
  #agent: Undici.Agent | undefined;
  #undici: typeof Undici | undefined;

  constructor(
    private readonly guard: WebhookUrlGuard,
    private readonly timeoutMs: number,
    private readonly userAgent: string,
    /** Sockets per receiver origin: as many as deliveries an endpoint may have in flight. */
    private readonly perOrigin = 4,
  ) {}

  async post(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const target = new URL(url);
    const literal = hostOf(target);
    const refused =
      literal.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(literal)
        ? this.guard.addressProblem(literal)
        : null;
    if (refused !== null) return { status: null, retryAfterMs: undefined, error: `refused: ${refused}` };
    const undici = (this.#undici ??= await import('undici'));
    this.#agent ??= new undici.Agent({
      connect: { lookup: this.guard.connectLookup, timeout: this.timeoutMs },
      connections: this.perOrigin,
      keepAliveTimeout: 10_000,
    });
    try {
      const res = await undici.request(target, {
        method: 'POST',
        dispatcher: this.#agent,
        headers: { 'content-type': 'application/json', 'user-agent': this.userAgent, ...headers },
        body,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.body.dump({ limit: MAX_ANSWER_BYTES }).catch(() => undefined);
      const bag = { get: (n: string) => single(res.headers[n.toLowerCase()]) };
      const wait = res.statusCode === 429 || res.statusCode === 503 ? retryAfterSeconds(bag) : undefined;
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      const error = ok
        ? null
        : res.statusCode >= 300 && res.statusCode < 400
          ? `HTTP ${res.statusCode} (redirects are not followed)`
          : `HTTP ${res.statusCode}`;
      return { status: res.statusCode, retryAfterMs: wait === undefined ? undefined : wait * 1000, error };
    } catch (e) {
      return { status: null, retryAfterMs: undefined, error: describe(e, this.timeoutMs) };
    }
  }

  async close(): Promise<void> {
    await this.#agent?.close();
  }
}

function single(v: string | string[] | undefined): string | null {
  return v === undefined ? null : Array.isArray(v) ? (v[0] ?? null) : v;
}

/** A failure in words for the delivery log: never more than the kind of failure and the host. */
function describe(e: unknown, timeoutMs: number): string {
  const err = e as {
    name?: string;
    code?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  const code = err.code ?? err.cause?.code;
  if (
    err.name === 'TimeoutError' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return `timeout after ${timeoutMs} ms`;
  }
  if (code === 'ENOTALLOWED')
    return (err.message ?? err.cause?.message ?? 'refused').replace(/^.*?refused: /, 'refused: ');
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host does not resolve';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  return code ?? 'network error';
}
