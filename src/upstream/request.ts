import type { CallContext } from '../core/adapter.js';

/** One call to a provider, as a provider's client describes it. */
export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below baseUrl, starting with `/`; segments must already be encoded (use `path\`\``). */
  path: string;
  /** What the call is, for metrics (`connections.get`): never an id. */
  operation: string;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  /** Form-encoded body (e.g. an OAuth token request). */
  form?: Record<string, string>;
  /** Skip the auth headers (token endpoints). */
  anonymous?: boolean;
  /**
   * Secret values this request carries (credentials in the body, a client secret in the form).
   * Scrubbed, with the auth header values, from any error the call raises (scrub.ts).
   */
  secrets?: readonly string[];
}

/** A request's body as sent on every attempt: encoded once per call. */
export interface EncodedBody {
  body: string | undefined;
  contentType: string | undefined;
}

const NO_BODY: EncodedBody = { body: undefined, contentType: undefined };

export function encodeBody(req: UpstreamRequest): EncodedBody {
  if (req.json !== undefined) return { body: JSON.stringify(req.json), contentType: 'application/json' };
  if (req.form !== undefined)
    return {
      body: new URLSearchParams(req.form).toString(),
      contentType: 'application/x-www-form-urlencoded',
    };
  return NO_BODY;
}

/** The headers of one attempt: what the gateway always sends, the request id and trace, the auth headers, the body's type. */
export function attemptHeaders(
  ctx: CallContext,
  auth: Record<string, string>,
  encoded: EncodedBody,
): Record<string, string> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'x-request-id': ctx.requestId,
    ...auth,
  };
  if (ctx.traceparent) headers['traceparent'] = ctx.traceparent;
  if (encoded.contentType !== undefined) headers['content-type'] = encoded.contentType;
  return headers;
}

/** `?a=1&b=2` of the values given (none absent: ''). */
export function queryString(query: UpstreamRequest['query']): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

/** Parsed JSON when the text is JSON, else the text itself (possibly empty). */
export function parseBody(text: string): unknown {
  if (text === '') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The collection a write touches: a write to `/a/b/c` invalidates cached reads of `/a/b…`. */
export function collectionOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i > 0 ? p.slice(0, i) : p;
}
