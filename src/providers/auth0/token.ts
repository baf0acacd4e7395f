import type { CallContext } from '../../core/adapter.js';
import { GatewayError } from '../../core/errors.js';
import { scrubText, Secret } from '../../core/secret.js';
import { retryAfterSeconds, type UpstreamClient, type UpstreamFailure } from '../../upstream/index.js';
import { Auth0OAuthError, Auth0TokenResponse } from './api-types.js';

/**
 * Client-credentials token for the Auth0 Management API (docs/providers/auth0.md §2): one per adapter instance,
 * cached until shortly before `expires_in` ends, one request shared by concurrent callers, dropped
 * on a 401 from the API. The token and the client secret live in `Secret`s only.
 */

export const TOKEN_PATH = '/oauth/token';

/** Refresh this long before expiry: 10 % of the lifetime, at most 60 s. */
export function refreshMarginMs(expiresInSec: number): number {
  return Math.min(60_000, expiresInSec * 100);
}

export interface TokenProviderOptions {
  providerId: string;
  clientId: string;
  clientSecret: Secret<string>;
  /** The Management API audience (`auth0Audience`: configured, else `https://{domain}/api/v2/`), whatever host the token endpoint is reached at. */
  audience: string;
  /** Client rooted at the token endpoint's origin; calls are anonymous. */
  http: UpstreamClient;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: (() => number) | undefined;
}

interface CachedToken {
  value: Secret<string>;
  refreshAt: number;
}

export class ClientCredentialsTokenProvider {
  readonly #opts: TokenProviderOptions;
  readonly #now: () => number;
  #current: CachedToken | undefined;
  #inflight: Promise<Secret<string>> | undefined;

  constructor(opts: TokenProviderOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  /** A valid token; fetches one (shared by every caller waiting meanwhile) when none is cached. */
  token(ctx: CallContext): Promise<Secret<string>> {
    const current = this.#current;
    if (current && this.#now() < current.refreshAt) return Promise.resolve(current.value);
    // The shared request must not die with one caller's signal; each caller still stops waiting on its own.
    this.#inflight ??= this.#fetch({ requestId: ctx.requestId, traceparent: ctx.traceparent }).finally(() => {
      this.#inflight = undefined;
    });
    return abortable(this.#inflight, ctx.signal);
  }

  /** Forget the cached token after the API refused `refused`; a newer token is kept. */
  invalidate(refused?: string): void {
    if (refused === undefined || this.#current?.value.reveal() === refused) this.#current = undefined;
  }

  async #fetch(ctx: CallContext): Promise<Secret<string>> {
    const { providerId, clientId, clientSecret, audience, http } = this.#opts;
    const started = this.#now();
    const res = await http.call<unknown>(ctx, {
      method: 'POST',
      operation: 'token',
      path: TOKEN_PATH,
      anonymous: true,
      form: {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret.reveal(),
        audience,
      },
    });
    const parsed = Auth0TokenResponse.safeParse(res.body);
    if (!parsed.success) {
      throw new GatewayError(
        'upstream_error',
        `Provider ${providerId}: the Auth0 token endpoint answered without a usable access_token/expires_in.`,
        {
          provider: providerId,
          upstreamStatus: res.status,
        },
      );
    }
    const value = new Secret(parsed.data.access_token);
    const { expires_in } = parsed.data;
    this.#current = { value, refreshAt: started + expires_in * 1000 - refreshMarginMs(expires_in) };
    return value;
  }
}

/**
 * A failed token request as the contract error. Always the gateway's problem (wrong secret, audience
 * not authorized, tenant down), so `upstream_error` (502), except 429 which keeps the upstream's wait.
 * The OAuth error text is Auth0's; the secret is scrubbed from it all the same.
 */
export function tokenEndpointError(
  providerId: string,
  failure: UpstreamFailure,
  clientSecret: Secret<string>,
): GatewayError {
  const parsed = Auth0OAuthError.safeParse(failure.body);
  const body = parsed.success ? parsed.data : {};
  const reason =
    [body.error, body.error_description]
      .filter((s): s is string => typeof s === 'string' && s !== '')
      .join(': ') || `HTTP ${failure.status}`;
  const base = { provider: providerId, upstreamStatus: failure.status };
  if (failure.status === 429) {
    const retryAfter = retryAfterSeconds(failure.headers);
    const detail = scrub(
      `Provider ${providerId}: the Auth0 token endpoint is rate limiting the gateway (${reason}).`,
      clientSecret,
    );
    return new GatewayError(
      'rate_limited',
      detail,
      retryAfter === undefined ? base : { ...base, retryAfter },
    );
  }
  const hint =
    failure.status === 401 || failure.status === 403
      ? " Check the provider's domain, clientId and clientSecret, and that the application is authorized for the Management API."
      : '';
  return new GatewayError(
    'upstream_error',
    scrub(
      `Provider ${providerId} could not obtain an Auth0 Management API token (${failure.status} ${reason}).${hint}`,
      clientSecret,
    ),
    base,
  );
}

function scrub(text: string, s: Secret<string>): string {
  return scrubText(text, [s.reveal()]);
}

function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}
