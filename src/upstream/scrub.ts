import type { GatewayError } from '../core/errors.js';
import { scrubText, secretValues } from '../core/secret.js';

/**
 * `e` without any secret the call carried: the request's own (`secrets`) and the auth header
 * values it was sent with, also without their scheme word ("Bearer <token>" → "<token>"). An
 * upstream message that echoes what it was sent never reaches a caller or a log with a secret in it.
 * Returns `e` itself when nothing had to go.
 */
export function scrubSecrets(
  e: GatewayError,
  secrets: readonly string[] | undefined,
  auth: Record<string, string>,
): GatewayError {
  const values = [
    ...(secrets ?? []),
    ...secretValues(Object.values(auth).flatMap((v) => [v, v.split(/\s+/).at(-1) ?? ''])),
  ];
  const detail = scrubText(e.message, values);
  const errors = e.errors?.map((p) => ({ pointer: p.pointer, message: scrubText(p.message, values) }));
  const changed = detail !== e.message || (errors ?? []).some((p, i) => p.message !== e.errors?.[i]?.message);
  return changed ? e.withDetail(detail, errors) : e;
}
