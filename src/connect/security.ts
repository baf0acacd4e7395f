import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

/**
 * The hosted page's defences (OWASP ASVS session management and CSRF): the session token lives in
 * an HttpOnly, SameSite=Lax cookie scoped to `/connect` (never in a URL after the first redirect);
 * every form carries a CSRF token derived from it; every answer is `no-store`, sends no Referer,
 * and has a CSP without inline script or style, framed only by `connect.frameAncestors`.
 */

export const SESSION_COOKIE = 'plugboard_connect';
const COOKIE_PATH = '/connect';

/** The headers of every page answer (assets too: a CSP on a stylesheet costs nothing). */
export function pageHeaders(frameAncestors: readonly string[]): MiddlewareHandler {
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    `frame-ancestors ${frameAncestors.join(' ')}`,
  ].join('; ');
  return async (c, next) => {
    await next();
    c.header('content-security-policy', csp);
    c.header('referrer-policy', 'no-referrer');
    c.header('x-content-type-options', 'nosniff');
    if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
    if (frameAncestors.length === 1 && frameAncestors[0] === "'none'") c.header('x-frame-options', 'DENY');
  };
}

/** Whether the page is served over https (then the cookie is Secure). */
function secure(c: Context, publicUrl: string | null): boolean {
  return new URL(c.req.url).protocol === 'https:' || (publicUrl?.startsWith('https:') ?? false);
}

/** Keeps the token in the cookie until the session's expiry. */
export function setSessionCookie(
  c: Context,
  token: string,
  expiresAt: string,
  publicUrl: string | null,
): void {
  const maxAge = Math.max(1, Math.floor((Date.parse(expiresAt) - Date.now()) / 1000));
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: secure(c, publicUrl),
    path: COOKIE_PATH,
    maxAge,
  });
}

export function sessionToken(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}

export function clearSessionCookie(c: Context, publicUrl: string | null): void {
  deleteCookie(c, SESSION_COOKIE, { path: COOKIE_PATH, secure: secure(c, publicUrl) });
}

/** The CSRF token of a session: derived from its token, which only the cookie holds (a synchronizer token without storage). */
export function csrfToken(sessionTokenValue: string): string {
  return createHash('sha256').update(`plugboard connect csrf\0${sessionTokenValue}`).digest('base64url');
}

/** Whether a form's CSRF field matches the session's (constant time). */
export function csrfMatches(sessionTokenValue: string, submitted: unknown): boolean {
  if (typeof submitted !== 'string') return false;
  const want = Buffer.from(csrfToken(sessionTokenValue));
  const got = Buffer.from(submitted);
  return got.length === want.length && timingSafeEqual(got, want);
}
