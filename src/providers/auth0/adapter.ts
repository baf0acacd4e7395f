import type {
  AdapterDeps,
  AdapterSchemas,
  CallContext,
  CommonProviderConfig,
  ConnectionChange,
  ConnectionRef,
  CreateInput,
  Credentials,
  Page,
  PageRequest,
  PatchModelAdapter,
  ProviderCapabilities,
} from '../../core/adapter.js';
import type { UpstreamConnection } from '../../core/connection.js';
import { GatewayError, validationError } from '../../core/errors.js';
import { providerClientOptions } from '../../core/upstream/client.js';
import { parseOrThrow } from '../../core/validation.js';
import { Secret } from '../../core/secret.js';
import { Auth0Client, MAX_PER_PAGE } from './client.js';
import {
  createSchema,
  nameValue,
  SETTING_KEYS,
  settingsSchema,
  toCreateBody,
  toUpdateBody,
  toUpstreamConnection,
  WRITABLE_STATUS,
  type Auth0Change,
} from './mapping.js';

/**
 * Auth0 as a patch-model provider: a canonical connection is an organization connection
 * (`/organizations/{id}/connections/{connection_id}`, EA family). Create attaches an existing
 * tenant connection, delete detaches it; no credentials, no test, no jobs.
 */

export type Auth0Config = {
  domain: string;
  clientId: string;
  clientSecret: string;
};

export const AUTH0_CAPABILITIES = {
  updateModel: 'patch',
  writableName: true,
  writableStatus: WRITABLE_STATUS,
  writableSettings: SETTING_KEYS,
  unsupportedSettings: [],
  supportsCredentials: false,
  supportsTest: false,
  supportsJobs: false,
  nullableName: true,
} as const satisfies ProviderCapabilities;

export const AUTH0_SCHEMAS: AdapterSchemas = {
  create: createSchema,
  name: nameValue.nullable(),
  settings: settingsSchema,
  credentials: () => null,
};

/** The list cursor is the offset of the next item, in decimal. */
export function encodeCursor(offset: number): string {
  return String(offset);
}

export function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  if (!/^(0|[1-9]\d{0,8})$/.test(cursor)) throw validationError([{ pointer: '/cursor', message: 'is not a cursor of this provider' }], 'The cursor is not valid.');
  return Number(cursor);
}

export interface PagePlan {
  perPage: number;
  /** First Auth0 page (0-based) to read. */
  page: number;
  /** Items of that first page before `offset`. */
  skip: number;
  /** How many Auth0 pages cover `[offset, offset + limit)`. */
  requests: number;
}

/**
 * The Auth0 pages that cover items `[offset, offset + limit)`: the fewest requests, then the smallest
 * page size (Auth0 pages are `per_page`-aligned, `per_page` ≤ 100).
 */
export function planPages(offset: number, limit: number, maxPerPage = MAX_PER_PAGE): PagePlan {
  let best: PagePlan | undefined;
  for (let n = Math.min(limit, maxPerPage); n <= maxPerPage; n += 1) {
    const skip = offset % n;
    const requests = Math.ceil((skip + limit) / n);
    if (!best || requests < best.requests) best = { perPage: n, page: Math.floor(offset / n), skip, requests };
  }
  return best as PagePlan;
}

export function createAuth0Adapter(config: CommonProviderConfig & Auth0Config, deps: AdapterDeps): PatchModelAdapter {
  const providerId = config.id;
  const client = new Auth0Client({
    ...providerClientOptions(config, deps),
    domain: config.domain,
    clientId: config.clientId,
    clientSecret: new Secret(config.clientSecret),
  });
  return new Auth0Adapter(providerId, config.type, client);
}

class Auth0Adapter implements PatchModelAdapter {
  readonly capabilities = AUTH0_CAPABILITIES;
  readonly schemas = AUTH0_SCHEMAS;
  readonly #client: Auth0Client;

  constructor(readonly id: string, readonly type: string, client: Auth0Client) {
    this.#client = client;
  }

  async create(ctx: CallContext, externalOrgId: string, input: CreateInput, credentials: Secret<Credentials> | undefined): Promise<UpstreamConnection> {
    if (credentials !== undefined) throw this.#unsupported('/credentials', 'Auth0 organization connections take no credentials.');
    const created = await this.#client.createOrganizationConnection(ctx, externalOrgId, toCreateBody(parseOrThrow(createSchema, input)));
    // The create answer normally carries `connection {name, strategy}`; fetch it when it does not.
    if (created.connection?.strategy === undefined) return this.#get(ctx, externalOrgId, created.connection_id);
    return toUpstreamConnection(created);
  }

  get(ctx: CallContext, ref: ConnectionRef): Promise<UpstreamConnection> {
    return this.#get(ctx, ref.externalOrgId, ref.externalId);
  }

  async list(ctx: CallContext, externalOrgId: string, page: PageRequest): Promise<Page<UpstreamConnection>> {
    const offset = decodeCursor(page.cursor);
    const limit = Math.max(1, Math.floor(page.limit));
    const plan = planPages(offset, limit);
    const items: UpstreamConnection[] = [];
    // Where the list ends, once known: from a short page (exact), else from include_totals.
    let listEnd: number | undefined;
    for (let p = plan.page, skip = plan.skip; items.length < limit; p += 1, skip = 0) {
      const res = await this.#client.listOrganizationConnections(ctx, externalOrgId, { page: p, per_page: plan.perPage });
      listEnd = res.total ?? listEnd;
      for (const oc of res.connections.slice(skip, skip + limit - items.length)) items.push(toUpstreamConnection(oc));
      if (res.connections.length < plan.perPage) {
        listEnd = p * plan.perPage + res.connections.length;
        break;
      }
    }
    const next = offset + items.length;
    const more = items.length > 0 && (listEnd === undefined || next < listEnd);
    return { items, nextCursor: more ? encodeCursor(next) : null };
  }

  async patch(ctx: CallContext, ref: ConnectionRef, change: ConnectionChange): Promise<UpstreamConnection> {
    if (change.credentials !== undefined) throw this.#unsupported('/credentials', 'Auth0 organization connections take no credentials.');
    const checked: Auth0Change = {};
    if (change.name !== undefined) {
      checked.name = parseOrThrow(AUTH0_SCHEMAS.name, change.name, '/name');
    }
    if (change.status !== undefined) {
      if (!(WRITABLE_STATUS as readonly string[]).includes(change.status)) {
        throw this.#unsupported('/status', `Auth0 connections can only be ${WRITABLE_STATUS.join(' or ')}.`);
      }
      checked.status = change.status;
    }
    if (change.settings !== undefined) {
      checked.settings = parseOrThrow(settingsSchema, change.settings, '/settings');
    }
    const body = toUpdateBody(checked);
    if (Object.keys(body).length === 0) return this.get(ctx, ref);
    const updated = await this.#client.updateOrganizationConnection(ctx, ref.externalOrgId, ref.externalId, body);
    if (updated.connection?.strategy === undefined) return this.get(ctx, ref);
    return toUpstreamConnection(updated);
  }

  async delete(ctx: CallContext, ref: ConnectionRef): Promise<void> {
    await this.#client.deleteOrganizationConnection(ctx, ref.externalOrgId, ref.externalId);
  }

  async #get(ctx: CallContext, externalOrgId: string, connectionId: string): Promise<UpstreamConnection> {
    return toUpstreamConnection(await this.#client.getOrganizationConnection(ctx, externalOrgId, connectionId));
  }

  #unsupported(pointer: string, message: string): GatewayError {
    return new GatewayError('unsupported_change', message, { provider: this.id, errors: [{ pointer, message }] });
  }
}
