import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { apiKeyHash, isWellFormedApiKey, newApiKey } from '../api-key-token.js';
import { SCOPES, type Caller, type Scope } from '../caller.js';
import { GatewayError } from '../errors.js';
import { newId } from '../ids.js';
import type { ApiKeyRow, NewEvent } from '../storage.js';
import { timestamp, type RequestContext, type ServiceDeps } from './context.js';
import { auditEvent } from './events.js';
import { OrgId } from './organizations.js';
import { StoredName } from '../validation.js';

export const CreateApiKeyBody = z
  .strictObject({
    name: StoredName,
    organization_ids: z
      .array(z.union([z.literal('*'), OrgId]))
      .min(1)
      .max(1000)
      .refine((ids) => !ids.includes('*') || ids.length === 1, '"*" (every organization) stands alone')
      .refine((ids) => new Set(ids).size === ids.length, 'each organization once')
      .describe('The organizations the key may see, or `["*"]` for all of them.'),
    scopes: z
      .array(z.enum(SCOPES))
      .min(1)
      .refine((s) => new Set(s).size === s.length, 'each scope once')
      .describe('What the key may do.'),
  })
  .meta({ id: 'CreateApiKey' });
export type CreateApiKeyInput = z.output<typeof CreateApiKeyBody>;

export interface ApiKey {
  id: string;
  name: string;
  organization_ids: string[];
  scopes: Scope[];
  created_at: string;
}

const toApiKey = (r: ApiKeyRow): ApiKey => ({
  id: r.id,
  name: r.name,
  organization_ids: r.organization_ids,
  scopes: r.scopes as Scope[],
  created_at: r.created_at,
});

/**
 * API keys (contract §2), made and revoked by the admin. A key is shown once and stored as its
 * SHA-256; it is checked on every request against storage, so a revocation takes effect at once
 * on every replica. Keys and their revocations are audit events of the gateway (no organization).
 */
export class ApiKeyService {
  constructor(private readonly deps: ServiceDeps) {}

  async create(ctx: RequestContext, input: CreateApiKeyInput): Promise<ApiKey & { key: string }> {
    const key = newApiKey();
    const row: ApiKeyRow = {
      id: newId('key'),
      name: input.name,
      organization_ids: input.organization_ids,
      scopes: input.scopes,
      key_hash: apiKeyHash(key),
      created_at: timestamp(this.deps),
      revoked_at: null,
    };
    await this.deps.storage.insertApiKey(
      row,
      this.#event(ctx, 'api_key.created', row.id, ['name', 'organization_ids', 'scopes'], row.created_at),
    );
    return { ...toApiKey(row), key };
  }

  async list(page: {
    limit: number;
    cursor?: string | undefined;
  }): Promise<{ data: ApiKey[]; next_cursor: string | null }> {
    const after =
      page.cursor !== undefined
        ? this.deps.cursors.decode<{ after: string }>('api-keys', page.cursor).after
        : null;
    const rows = await this.deps.storage.listApiKeys(after, page.limit + 1);
    const data = rows.slice(0, page.limit).map(toApiKey);
    const last = data.at(-1);
    return {
      data,
      next_cursor:
        rows.length > page.limit && last ? this.deps.cursors.encode('api-keys', { after: last.id }) : null,
    };
  }

  async revoke(ctx: RequestContext, id: string): Promise<void> {
    const at = timestamp(this.deps);
    if (!(await this.deps.storage.revokeApiKey(id, at, this.#event(ctx, 'api_key.revoked', id, [], at)))) {
      throw new GatewayError('not_found', `No API key ${JSON.stringify(id)}.`);
    }
  }

  /** The caller a key stands for, or null (malformed, unknown or revoked). A malformed key costs no lookup. */
  async authenticate(key: string): Promise<Caller | null> {
    if (!isWellFormedApiKey(key)) return null;
    const hash = apiKeyHash(key);
    const row = await this.deps.storage.getApiKeyByHash(hash);
    if (!row || row.revoked_at !== null) return null;
    if (!timingSafeEqual(Buffer.from(row.key_hash, 'hex'), Buffer.from(hash, 'hex'))) return null;
    // Storage may answer the same row object again (it keeps lookups in memory a moment): its caller too.
    let caller = this.#callers.get(row);
    if (!caller) {
      caller = Object.freeze({
        actor: `key:${row.id}`,
        organizations: row.organization_ids.includes('*') ? '*' : row.organization_ids,
        scopes: new Set(row.scopes as Scope[]),
        admin: false,
      });
      this.#callers.set(row, caller);
    }
    return caller;
  }

  readonly #callers = new WeakMap<ApiKeyRow, Caller>();

  #event(ctx: RequestContext, type: string, keyId: string, changed: string[], at: string): NewEvent {
    // Gateway-wide: an API key belongs to no organization ('' stands for the gateway itself).
    return { ...auditEvent(ctx, type, '', null, changed, at), api_key_id: keyId };
  }
}
