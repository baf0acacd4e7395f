import type { Logger } from 'pino';
import type { CallContext, ProviderAdapter } from '../adapter.js';
import type { Caller } from '../caller.js';
import type { CursorCodec } from '../cursor.js';
import type { Sealer } from '../crypto.js';
import type { Storage } from '../storage.js';

/** Everything the services need, injected once at start-up. */
export interface ServiceDeps {
  storage: Storage;
  /** Configured providers by id, in configuration order. */
  providers: ReadonlyMap<string, ProviderAdapter>;
  sealer: Sealer | null;
  cursors: CursorCodec;
  logger: Logger;
  now: () => Date;
}

/** One request as the services see it. */
export interface RequestContext extends CallContext {
  caller: Caller;
  /** The request's Idempotency-Key, scoped to its caller (`actor` + key), when it came with one. */
  idempotency?: string | undefined;
}

export function timestamp(deps: Pick<ServiceDeps, 'now'>): string {
  return rfc3339(deps.now());
}

/** RFC 3339 UTC to the second, as every time the API shows. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
