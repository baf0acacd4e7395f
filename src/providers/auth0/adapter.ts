import type {
  AdapterSchemas,
  CallContext,
  ConnectionChange,
  ConnectionRef,
  CreateInput,
  Page,
  PageRequest,
  PatchModelAdapter,
  ProviderCapabilities,
  ProviderFlow,
  UpstreamExpectation,
} from '../../core/adapter.js';
import type { AdapterDeps } from '../../upstream/index.js';
import type { CommonProviderConfig } from '../../config.js';
import type { UpstreamConnection } from '../../core/connection.js';
import { validationError } from '../../core/errors.js';
import { providerClientOptions } from '../../upstream/index.js';
import type { Secret } from '../../core/secret.js';
import type { Auth0ConnectionsApi, Auth0FamilyBodies, Auth0OrganizationConnection } from './api-types.js';
import { Auth0Client, MAX_PER_PAGE } from './client.js';
import { AUTH0_LINK_FORMAT } from './link.js';
import { createAuth0ProviderFlow } from './self-service-flow.js';
import {
  EA_ONLY_SETTING_KEYS,
  EA_SETTING_KEYS,
  eaCreateSchema,
  eaSettingsSchema,
  GA_SETTING_KEYS,
  gaCreateSchema,
  gaSettingsSchema,
  nameValue,
  toAddBody,
  toCreateBody,
  toEnabledConnectionUpdateBody,
  toUpdateBody,
  toUpstreamConnection,
  toUpstreamEnabledConnection,
  WRITABLE_STATUS,
  type Auth0Change,
  type Auth0CreateInput,
  type Auth0GaCreateInput,
  type Auth0Settings,
} from './mapping.js';

/**
 * Auth0 as a patch-model provider: a canonical connection is an organization connection. Create
 * attaches an existing tenant connection, delete detaches it; no credentials, no test, no jobs.
 * Which family of endpoints an entry uses is its `connectionsApi` (docs/providers/auth0.md §3–§4):
 * - `connections` (default; Early Access): name, status (`is_enabled`) and four settings;
 * - `enabled_connections` (GA, for tenants without Early Access): three settings only; the fields
 *   it lacks are not writable, which the capabilities say, so the core answers 422 for them.
 * With a `selfServiceProfileId`, the adapter also has a provider-hosted flow (contract §11): a
 * Self-Service SSO ticket whose new connection the customer's IT admin sets up in Auth0
 * (self-service-flow.ts, docs/providers/auth0.md §10).
 */

export type Auth0Config = {
  domain: string;
  clientId: string;
  clientSecret: Secret<string>;
  /** Management API audience; defaults to `https://{domain}/api/v2/`. */
  audience?: string | undefined;
  /** Organization-connection family; defaults to `connections`. */
  connectionsApi?: Auth0ConnectionsApi | undefined;
  /** The self-service profile of Self-Service SSO tickets; without it, no provider-hosted flow. */
  selfServiceProfileId?: string | undefined;
};

const COMMON_CAPABILITIES = {
  updateModel: 'patch',
  supportsCredentials: false,
  supportsTest: false,
  supportsJobs: false,
} as const;

/** The EA `connections` family. */
export const AUTH0_CAPABILITIES = {
  ...COMMON_CAPABILITIES,
  writableName: true,
  nullableName: true,
  writableStatus: WRITABLE_STATUS,
  writableSettings: EA_SETTING_KEYS,
  unsupportedSettings: [],
} as const satisfies ProviderCapabilities;

/** The GA `enabled_connections` family: no name, no status, no access level. */
export const AUTH0_GA_CAPABILITIES = {
  ...COMMON_CAPABILITIES,
  writableName: false,
  nullableName: false,
  writableStatus: [],
  writableSettings: GA_SETTING_KEYS,
  unsupportedSettings: EA_ONLY_SETTING_KEYS,
} as const satisfies ProviderCapabilities;

export const AUTH0_SCHEMAS: AdapterSchemas = {
  create: eaCreateSchema,
  name: nameValue.nullable(),
  settings: eaSettingsSchema,
  credentials: () => null,
};

export const AUTH0_GA_SCHEMAS: AdapterSchemas = {
  create: gaCreateSchema,
  // Never reached (writableName is false, so the core answers 422); kept so the schema set is whole.
  name: nameValue.nullable(),
  settings: gaSettingsSchema,
  credentials: () => null,
};

/** Both families attach an existing tenant connection by its id. */
type Auth0CreateShape = CreateInput & { external_connection_id: string };

/** What differs between the families, as pure data and pure mappers; the adapter holds one. */
export interface Auth0Family<F extends Auth0ConnectionsApi, I extends Auth0CreateShape> {
  api: F;
  capabilities: ProviderCapabilities & { updateModel: 'patch' };
  schemas: AdapterSchemas;
  /** From a body the gateway parsed with `schemas.create` (never parsed again). */
  toCreateBody(input: I): Auth0FamilyBodies[F]['create'];
  toUpdateBody(change: Auth0Change): Auth0FamilyBodies[F]['update'];
  toUpstreamConnection(oc: Auth0OrganizationConnection): UpstreamConnection;
}

export const EA_FAMILY: Auth0Family<'connections', Auth0CreateInput> = {
  api: 'connections',
  capabilities: AUTH0_CAPABILITIES,
  schemas: AUTH0_SCHEMAS,
  toCreateBody,
  toUpdateBody,
  toUpstreamConnection,
};

export const GA_FAMILY: Auth0Family<'enabled_connections', Auth0GaCreateInput> = {
  api: 'enabled_connections',
  capabilities: AUTH0_GA_CAPABILITIES,
  schemas: AUTH0_GA_SCHEMAS,
  toCreateBody: toAddBody,
  toUpdateBody: toEnabledConnectionUpdateBody,
  toUpstreamConnection: toUpstreamEnabledConnection,
};

/** The list cursor is the offset of the next item, in decimal. */
export function encodeCursor(offset: number): string {
  return String(offset);
}

export function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  if (!/^(0|[1-9]\d{0,8})$/.test(cursor))
    throw validationError(
      [{ pointer: '/cursor', message: 'is not a cursor of this provider' }],
      'The cursor is not valid.',
    );
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
    if (!best || requests < best.requests)
      best = { perPage: n, page: Math.floor(offset / n), skip, requests };
  }
  return best as PagePlan;
}

export function createAuth0Adapter(
  config: CommonProviderConfig & Auth0Config,
  deps: AdapterDeps,
): PatchModelAdapter {
  return config.connectionsApi === 'enabled_connections'
    ? build(GA_FAMILY, config, deps)
    : build(EA_FAMILY, config, deps);
}

function build<F extends Auth0ConnectionsApi, I extends Auth0CreateShape>(
  family: Auth0Family<F, I>,
  config: CommonProviderConfig & Auth0Config,
  deps: AdapterDeps,
): PatchModelAdapter {
  const client = new Auth0Client({
    ...providerClientOptions(config, deps),
    domain: config.domain,
    audience: config.audience,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    family: family.api,
  });
  const flow =
    config.selfServiceProfileId === undefined
      ? undefined
      : createAuth0ProviderFlow({
          providerId: config.id,
          profileId: config.selfServiceProfileId,
          client,
          now: deps.now ?? Date.now,
        });
  return new Auth0Adapter(config.id, config.type, family, client, flow);
}

class Auth0Adapter<F extends Auth0ConnectionsApi, I extends Auth0CreateShape> implements PatchModelAdapter {
  readonly capabilities: ProviderCapabilities & { updateModel: 'patch' };
  readonly schemas: AdapterSchemas;
  readonly linkFormat = AUTH0_LINK_FORMAT;
  /** Only with a `selfServiceProfileId` (declared, so an adapter without one has no such property). */
  declare readonly providerFlow?: ProviderFlow;
  readonly #family: Auth0Family<F, I>;
  readonly #client: Auth0Client<F>;

  constructor(
    readonly id: string,
    readonly type: string,
    family: Auth0Family<F, I>,
    client: Auth0Client<F>,
    flow: ProviderFlow | undefined,
  ) {
    this.capabilities = family.capabilities;
    this.schemas = family.schemas;
    this.#family = family;
    this.#client = client;
    if (flow) this.providerFlow = flow;
  }

  /** Attaching names the tenant connection: its id is the organization connection's. */
  expectedUpstream(input: I): UpstreamExpectation {
    return { external_id: input.external_connection_id };
  }

  /** `input` is the body the gateway parsed with `schemas.create`; organization connections take no credentials (the core refuses them). */
  async create(ctx: CallContext, externalOrgId: string, input: I): Promise<UpstreamConnection> {
    const created = await this.#client.createOrganizationConnection(
      ctx,
      externalOrgId,
      this.#family.toCreateBody(input),
    );
    // The create answer normally carries `connection {name, strategy}`; fetch it when it does not.
    if (created.connection?.strategy === undefined)
      return this.#get(ctx, externalOrgId, created.connection_id);
    return this.#family.toUpstreamConnection(created);
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
      const res = await this.#client.listOrganizationConnections(ctx, externalOrgId, {
        page: p,
        per_page: plan.perPage,
      });
      listEnd = res.total ?? listEnd;
      for (const oc of res.connections.slice(skip, skip + limit - items.length))
        items.push(this.#family.toUpstreamConnection(oc));
      if (res.connections.length < plan.perPage) {
        listEnd = p * plan.perPage + res.connections.length;
        break;
      }
    }
    const next = offset + items.length;
    const more = items.length > 0 && (listEnd === undefined || next < listEnd);
    return { items, nextCursor: more ? encodeCursor(next) : null };
  }

  /** The core checked the change against the capabilities and `schemas` (validateChange): it is not checked again. */
  async patch(ctx: CallContext, ref: ConnectionRef, change: ConnectionChange): Promise<UpstreamConnection> {
    const checked: Auth0Change = {};
    if (change.name !== undefined) checked.name = change.name;
    if (change.status !== undefined) checked.status = change.status;
    // Parsed by this family's `schemas.settings`, whose output is Auth0Settings.
    if (change.settings !== undefined) checked.settings = change.settings as Auth0Settings;
    const body = this.#family.toUpdateBody(checked);
    if (Object.keys(body).length === 0) return this.get(ctx, ref);
    const updated = await this.#client.updateOrganizationConnection(
      ctx,
      ref.externalOrgId,
      ref.externalId,
      body,
    );
    if (updated.connection?.strategy === undefined) return this.get(ctx, ref);
    return this.#family.toUpstreamConnection(updated);
  }

  async delete(ctx: CallContext, ref: ConnectionRef): Promise<void> {
    await this.#client.deleteOrganizationConnection(ctx, ref.externalOrgId, ref.externalId);
  }

  async #get(ctx: CallContext, externalOrgId: string, connectionId: string): Promise<UpstreamConnection> {
    return this.#family.toUpstreamConnection(
      await this.#client.getOrganizationConnection(ctx, externalOrgId, connectionId),
    );
  }
}
