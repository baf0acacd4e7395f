import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { GatewayError, validationError } from '../../core/errors.js';
import type { AppEnv } from '../env.js';
import { problemResponse } from '../problem.js';
import { serviceContext } from '../request.js';

/** Headers of the first answer that a replay gives back. */
const REPLAYED_HEADERS = ['content-type', 'etag', 'location'];

/** The header as the routes that take it declare it (OpenAPI). */
export const IDEMPOTENCY_KEY = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe(
      'A key of your choosing (per caller): the same key with the same body within 24 h replays the first answer, with `Idempotent-Replayed: true`, and calls no provider.',
    ),
});

/** JSON with object keys sorted, so the same body written another way is the same request. */
function canonical(text: string): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  try {
    return JSON.stringify(sort(JSON.parse(text)));
  } catch {
    return text;
  }
}

/**
 * `Idempotency-Key` (contract §5.4), per caller: the first request with a key runs and its answer
 * is kept (below 500: a 5xx frees the key for a retry); the same key with the same method, path
 * and body within 24 h gets that answer again with `Idempotent-Replayed: true` and no provider is
 * called; another body is 422 `idempotency_key_reused`; while the first still runs, 409
 * `idempotency_in_progress`. Runs after the key, scope and organization checks, before the body
 * is validated. Never used where an answer holds a secret (`POST /v1/api-keys`).
 */
export const idempotent: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = c.req.header('idempotency-key');
  if (key === undefined) return next();
  if (key.length === 0 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw validationError([
      { pointer: '/headers/idempotency-key', message: 'must be 1–255 visible ASCII characters' },
    ]);
  }
  const keys = c.get('deps').idempotency;
  const owner = c.get('caller').actor;
  const fingerprint = createHash('sha256')
    .update(`${c.req.method} ${c.req.path}\n`)
    .update(canonical(await c.req.text()))
    .digest('hex');
  const claim = await keys.claim(owner, key, fingerprint);
  if (!claim.claimed) {
    const first = claim.existing;
    if (first.fingerprint !== fingerprint) {
      throw new GatewayError(
        'idempotency_key_reused',
        'This Idempotency-Key was used with another request (method, path or body); use a new key.',
      );
    }
    if (first.answer === null) {
      throw new GatewayError(
        'idempotency_in_progress',
        'The first request with this Idempotency-Key is still running; retry shortly.',
        { retryAfter: 1 },
      );
    }
    return new Response(first.answer.body === '' ? null : first.answer.body, {
      status: first.answer.status,
      headers: { ...first.answer.headers, 'idempotent-replayed': 'true' },
    });
  }
  // Stored with a create's intent (create_intents.idempotency): a space, not a NUL, between the two,
  // as PostgreSQL text cannot hold NUL; keys are visible ASCII, so it cannot occur in one.
  const scoped = `${owner} ${key}`;
  c.set('idempotency', scoped);
  serviceContext(c).idempotency = scoped;
  try {
    await next();
  } catch (e) {
    // onError renders it after this; a known error below 500 is the answer to keep.
    const answer = e instanceof GatewayError && e.status < 500 ? problemResponse(c, e) : null;
    if (answer) await keep(answer);
    else await keys.release(owner, key);
    throw e;
  }
  if (c.res.status >= 500) await keys.release(owner, key);
  else await keep(c.res);

  async function keep(res: Response): Promise<void> {
    const headers: Record<string, string> = {};
    for (const h of REPLAYED_HEADERS) {
      const v = res.headers.get(h);
      if (v !== null) headers[h] = v;
    }
    await keys.keep(owner, key as string, { status: res.status, headers, body: await res.clone().text() });
  }
};
