import type { ConnectionChange, ProviderAdapter } from '../../src/core/adapter.js';
import { validateChange, type ChangeBody, type ChangeMode } from '../../src/core/connections/change.js';
import { createBodyRules, type CreateConnectionInput } from '../../src/core/connections/create-body.js';
import { GatewayError } from '../../src/core/errors.js';
import { parseOrThrow } from '../../src/core/validation.js';
import { Secret } from '../../src/core/secret.js';
import { expect } from 'vitest';
import type { z } from 'zod';

/**
 * What the gateway checks before it calls an adapter (adapters do not check again): a create body
 * against the entry's create schema (422 first for fields the entry cannot set), a change against
 * the entry's capabilities and schemas. Adapter-level tests use these to prove a bad body never
 * reaches the upstream.
 */
export function checkCreate(adapter: ProviderAdapter, body: Record<string, unknown>): CreateConnectionInput {
  const rules = createBodyRules([adapter]);
  const withProvider = { provider: adapter.id, ...body };
  const unsupported = rules.unsupported(withProvider);
  if (unsupported.length > 0)
    throw new GatewayError('unsupported_change', 'This provider cannot set these fields.', {
      errors: unsupported,
    });
  return parseOrThrow(rules.schema, withProvider);
}

export function checkChange(
  adapter: ProviderAdapter,
  kind: string,
  body: ChangeBody,
  mode: ChangeMode = 'patch',
): ConnectionChange {
  return validateChange(adapter, kind, body, mode);
}

/** The GatewayError a synchronous check throws. */
export function refusal(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error('expected a GatewayError');
}

/** The GatewayError a promise rejects with. */
export async function rejection(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error('expected a GatewayError');
}

/**
 * A provider type's config schema holds `secretKey` of `entry` as a Secret (never serialised),
 * accepts `entry`, refuses it with the secret empty or missing, and refuses an unknown key.
 */
export function expectSecretConfig(
  schema: z.ZodType,
  entry: Record<string, unknown>,
  secretKey: string,
): void {
  const parsed = schema.parse(entry) as Record<string, unknown>;
  expect(parsed[secretKey]).toBeInstanceOf(Secret);
  expect(JSON.stringify(parsed)).not.toContain(String(entry[secretKey]));
  const { [secretKey]: _secret, ...without } = entry;
  expect(schema.safeParse({ ...entry, [secretKey]: '' }).success).toBe(false);
  expect(schema.safeParse(without).success).toBe(false);
  expect(schema.safeParse({ ...entry, unknownKey: 'x' }).success).toBe(false);
}
