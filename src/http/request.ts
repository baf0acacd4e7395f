import type { Context } from 'hono';
import type { z } from 'zod';
import { GatewayError } from '../core/errors.js';
import { parseOrThrow } from '../core/validation.js';
import type { AppEnv, RequestContext } from './env.js';

export const JSON_TYPES = ['application/json'] as const;
export const MERGE_PATCH_TYPES = ['application/merge-patch+json', 'application/json'] as const;

/** Reads a JSON body of one of the given media types: 415 for others, 400 `malformed_json` if not JSON. */
export async function readJson(c: Context<AppEnv>, mediaTypes: readonly string[] = JSON_TYPES): Promise<unknown> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!mediaTypes.includes(type)) {
    throw new GatewayError('unsupported_media_type', `Content-Type must be ${mediaTypes.join(' or ')}.`);
  }
  const text = await c.req.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new GatewayError('malformed_json', 'The body is not valid JSON.');
  }
}

/** Parses the query string; problems point at the parameter name (`/limit`). */
export function readQuery<T>(c: Context<AppEnv>, schema: z.ZodType<T>): T {
  return parseOrThrow(schema, c.req.query());
}

/** The services' view of this request (caller, request id, trace context). */
export function serviceContext(c: Context<AppEnv>): RequestContext {
  return {
    requestId: c.get('requestId'),
    traceparent: c.req.header('traceparent'),
    caller: c.get('caller'),
  };
}
