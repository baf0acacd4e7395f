import { z } from 'zod';
import type {
  AdapterDeps, AdapterSchemas, CallContext, CommonProviderConfig, ConnectionRef, Page, PageRequest, PatchModelAdapter, ProviderCapabilities,
} from '../../core/adapter.js';
import { GatewayError } from '../../core/errors.js';
import { secret } from '../../core/secret.js';
import { providerClientOptions } from '../../core/upstream/client.js';
import type { LeenList } from './api-types.js';
import { createLeenClient, LEEN_MAX_PAGE } from './client.js';
import { credentialFamily, credentialIssues, LeenVendorSchema } from './fixtures.js';
import {
  changeToLeen, connectionFromLeen, createBodyToLeen, credentialTypeOf, jobFromLeen, WRITABLE_STATUS,
} from './mapping.js';

/** The keys a `leen` provider entry adds to the common ones. */
export interface LeenConfig {
  apiKey: string;
}

export const LEEN_CAPABILITIES = {
  updateModel: 'patch',
  writableName: true,
  writableStatus: WRITABLE_STATUS,
  writableSettings: [],
  unsupportedSettings: [],
  supportsCredentials: true,
  supportsTest: true,
  supportsJobs: true,
  nullableName: true,
} as const satisfies ProviderCapabilities & { updateModel: 'patch' };

const NAME = z.string().min(1).max(255);

/** The canonical create body for `leen` (contract §5.1), minus `provider`. */
export const leenCreateSchema = z.strictObject({
  kind: LeenVendorSchema,
  name: NAME.nullable().optional(),
  credentials: z.record(z.string(), z.unknown(), { error: (i) => (i.input === undefined ? 'Required' : 'Expected an object') }),
  options: z.strictObject({
    oauth2_redirect_urls: z.strictObject({ success: z.url(), error: z.url() }),
  }).optional(),
}).superRefine((body, ctx) => {
  for (const issue of credentialIssues(body.kind, body.credentials)) {
    ctx.addIssue({ code: 'custom', path: ['credentials', ...issue.path], message: issue.message });
  }
});

export const LEEN_SCHEMAS: AdapterSchemas = {
  create: leenCreateSchema,
  name: NAME.nullable(),
  settings: null,
  credentials: (kind) => credentialFamily(kind)?.schema ?? null,
};

const CURSOR = /^(0|[1-9][0-9]{0,14})$/;

/** Cursors are the upstream offset of the next item, as a decimal string. */
function offsetOf(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  if (!CURSOR.test(cursor)) {
    throw new GatewayError('validation_failed', 'The cursor is not valid.', { errors: [{ pointer: '/cursor', message: 'Malformed cursor' }] });
  }
  return Number(cursor);
}

/**
 * Fills a page of up to `limit` items from Leen's offset pages (at most 100 per call), and points
 * the cursor right after the last item returned.
 */
async function collect<T>(page: PageRequest, fetchPage: (limit: number, offset: number) => Promise<LeenList<T>>): Promise<Page<T>> {
  const limit = Math.max(1, Math.floor(page.limit));
  let offset = offsetOf(page.cursor);
  const items: T[] = [];
  for (;;) {
    const want = Math.min(LEEN_MAX_PAGE, limit - items.length);
    const res = await fetchPage(want, offset);
    const got = res.items.slice(0, want);
    items.push(...got);
    offset += got.length;
    if (got.length === 0 || offset >= res.total) return { items, nextCursor: null };
    if (items.length >= limit) return { items, nextCursor: String(offset) };
  }
}

export function createLeenAdapter(config: CommonProviderConfig & LeenConfig, deps: AdapterDeps): PatchModelAdapter {
  const client = createLeenClient({ ...providerClientOptions(config, deps), apiKey: secret(config.apiKey) });

  const get = async (ctx: CallContext, ref: ConnectionRef) => connectionFromLeen(await client.getConnection(ctx, ref.externalOrgId, ref.externalId));

  return {
    id: config.id,
    type: config.type,
    capabilities: LEEN_CAPABILITIES,
    schemas: LEEN_SCHEMAS,
    get,

    async create(ctx, externalOrgId, input, credentials) {
      const body = createBodyToLeen(input, credentials);
      const created = await client.createConnection(ctx, externalOrgId, body);
      return connectionFromLeen(created);
    },

    async list(ctx, externalOrgId, page) {
      const res = await collect(page, (limit, offset) => client.listConnections(ctx, externalOrgId, limit, offset));
      return { items: res.items.map(connectionFromLeen), nextCursor: res.nextCursor };
    },

    async patch(ctx, ref, change) {
      const body = changeToLeen(ref.kind, change);
      if (Object.keys(body).length === 0) return get(ctx, ref);
      const updated = await client.updateConnection(ctx, ref.externalOrgId, ref.externalId, body);
      return connectionFromLeen(updated);
    },

    async delete(ctx, ref) {
      await client.deleteConnection(ctx, ref.externalOrgId, ref.externalId);
    },

    async test(ctx, ref) {
      const res = await client.testConnection(ctx, ref.externalOrgId, ref.externalId);
      const detail = typeof res.message === 'string' ? res.message : res.message == null ? null : JSON.stringify(res.message);
      return { ok: res.is_valid, detail };
    },

    async jobs(ctx, ref, page) {
      const res = await collect(page, (limit, offset) => client.listJobs(ctx, ref.externalOrgId, ref.externalId, limit, offset));
      return { items: res.items.map(jobFromLeen), nextCursor: res.nextCursor };
    },

    credentialType(kind) {
      return credentialTypeOf(kind);
    },
  };
}
