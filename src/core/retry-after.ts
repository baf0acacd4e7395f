/** Response headers as any HTTP client gives them. */
export interface HeaderBag {
  get(name: string): string | null;
}

/** Seconds to wait from a `Retry-After` (seconds or HTTP date) or an epoch-seconds `x-ratelimit-reset`. */
export function retryAfterSeconds(headers: HeaderBag, now = Date.now()): number | undefined {
  const ra = headers.get('retry-after');
  if (ra !== null) {
    const n = Number(ra);
    if (Number.isFinite(n)) return Math.max(0, Math.ceil(n));
    const date = Date.parse(ra);
    if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - now) / 1000));
  }
  const reset = headers.get('x-ratelimit-reset');
  if (reset !== null && Number.isFinite(Number(reset))) {
    return Math.max(0, Math.ceil(Number(reset) - now / 1000));
  }
  return undefined;
}
