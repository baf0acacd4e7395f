import { z } from 'zod';
import type {
  CallContext,
  CatalogueEntry,
  ConnectionRef,
  ConnectionState,
  Credentials,
  Page,
  PageRequest,
  ReplaceModelAdapter,
  UpstreamExpectation,
} from '../../core/adapter.js';
import type { AdapterDeps } from '../../upstream/index.js';
import type { CommonProviderConfig } from '../../config.js';
import type { UpstreamConnection } from '../../core/connection.js';
import { validationError } from '../../core/errors.js';
import { providerClientOptions } from '../../upstream/index.js';
import type { Secret } from '../../core/secret.js';
import type { ConnectionData } from './api-types.js';
import {
  connectedAppPages,
  createVersoriClient,
  type ConnectedAppRead,
  type ConnectionsPageRead,
  type VersoriClient,
} from './client.js';
import { VERSORI_LINK_FORMAT } from './link.js';
import { createVersoriProviderFlow } from './provider-flow.js';
import {
  AUTH_TYPE_OF,
  toConnectionData,
  toUpstreamConnection,
  VersoriCredentials,
  type VersoriCredentialType,
} from './mapping.js';

/** The keys a `versori` provider entry adds to the common ones. */
export interface VersoriEntryConfig extends Record<string, unknown> {
  apiKey: Secret<string>;
}

export type VersoriConfig = CommonProviderConfig & VersoriEntryConfig;

const CreateBody = z.strictObject({
  kind: z.string(),
  name: z.string(),
  credentials: VersoriCredentials,
});
type VersoriCreateInput = Omit<z.infer<typeof CreateBody>, 'credentials'>;

/** Calls one `list` may spend following upstream `next` cursors before it answers a short page. */
const MAX_UPSTREAM_PAGES_PER_LIST = 20;

/**
 * Where a list resumes: the upstream cursor of the page being read (`a`, null for the first page),
 * how many of that page's items were already returned (`s`) and the id of the last one (`l`).
 * The skip is what makes an upstream that ignores `first` (today's Switchboard returns every
 * item) page correctly; the id makes the resume exact when the upstream page shifted.
 */
const ListCursor = z.strictObject({
  a: z.string().nullable(),
  s: z.number().int().min(0),
  l: z.string().nullable(),
});
type ListCursor = z.infer<typeof ListCursor>;

function encodeCursor(c: ListCursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(raw: string | undefined): ListCursor {
  if (raw === undefined) return { a: null, s: 0, l: null };
  try {
    return ListCursor.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
  } catch {
    throw validationError(
      [{ pointer: '/cursor', message: 'not a cursor of this provider' }],
      'The cursor is not valid.',
    );
  }
}

/** Index of the first item not returned yet in an upstream page read again from `pos`. */
function resumeIndex(page: ConnectionsPageRead, pos: ListCursor): number {
  const last = pos.l;
  if (last === null) return Math.min(pos.s, page.items.length);
  const at = page.items.findIndex((c) => c.id === last);
  if (at >= 0) return at + 1;
  // The last returned item is gone (deleted meanwhile). In an id-ordered page (Switchboard's ids
  // are ULIDs, so creation order) the next item is the first with a greater id; otherwise assume
  // only that item went and step back one.
  const ids = page.items.map((c) => c.id);
  if (ids.every((id, i) => i === 0 || (ids[i - 1] as string) < id)) {
    const after = ids.findIndex((id) => id > last);
    return after < 0 ? ids.length : after;
  }
  return Math.min(Math.max(0, pos.s - 1), page.items.length);
}

/** The gateway credential types that POST /connections sends with each Switchboard `authType`. */
const CREDENTIAL_TYPES_OF = new Map<string, VersoriCredentialType[]>();
for (const [type, authType] of Object.entries(AUTH_TYPE_OF) as Array<[VersoriCredentialType, string]>)
  CREDENTIAL_TYPES_OF.set(authType, [...(CREDENTIAL_TYPES_OF.get(authType) ?? []), type]);

/**
 * The gateway credential types an App can be connected with through POST /connections, in the
 * order of its `supportedAuthConfigs`: each config that `isValid` (the spec: only then does `data`
 * hold what an organisation needs to connect with that auth type) and whose auth type has a
 * `ConnectionData*` variant (AUTH_TYPE_OF). `oauth2` counts only with `flowType`
 * `client_credentials`: the authorization-code flow (and `oidc`) goes through connection-init and
 * a browser redirect, and the spec does not say what an absent `flowType` means, so such a config
 * is not offered (as the simulator's fixtures model it). Unknown auth types are skipped.
 */
export function creatableCredentialTypes(app: ConnectedAppRead['app']): VersoriCredentialType[] {
  const out: VersoriCredentialType[] = [];
  for (const config of app.supportedAuthConfigs ?? []) {
    if (!config.isValid) continue;
    if (config.type === 'oauth2') {
      const data = config.data;
      const flow =
        data !== null && typeof data === 'object' ? (data as Record<string, unknown>)['flowType'] : undefined;
      if (flow !== 'client_credentials') continue;
    }
    for (const type of CREDENTIAL_TYPES_OF.get(config.type) ?? []) if (!out.includes(type)) out.push(type);
  }
  return out;
}

/**
 * An App as the connect page offers it: a form of the types it takes, or nothing to connect with.
 * Its name is the App's (the spec sets no rule on it; a blank one shows the App id instead).
 */
export function catalogueEntryOf(app: ConnectedAppRead['app']): CatalogueEntry {
  const credentialTypes = creatableCredentialTypes(app);
  const name = app.name.trim() !== '' ? app.name : app.id;
  return credentialTypes.length > 0
    ? { kind: app.id, name, connect: 'credentials', credentialTypes }
    : { kind: app.id, name, connect: null };
}

/**
 * The one place stored or submitted credentials are revealed: into Switchboard's `data`. They were
 * parsed with VersoriCredentials by the gateway before they were sent or sealed (and a sealed copy
 * cannot change unnoticed), so they are not parsed again.
 */
function revealConnectionData(credentials: Secret<Credentials>): { authType: string; data: ConnectionData } {
  const value = credentials.reveal() as VersoriCredentials;
  return { authType: AUTH_TYPE_OF[value.type], data: toConnectionData(value) };
}

export function createVersoriAdapter(config: VersoriConfig, deps: AdapterDeps): ReplaceModelAdapter {
  const client: VersoriClient = createVersoriClient({
    ...providerClientOptions(config, deps),
    apiKey: config.apiKey,
  });

  return {
    id: config.id,
    type: config.type,
    capabilities: {
      updateModel: 'replace',
      writableName: true,
      writableStatus: [],
      writableSettings: [],
      unsupportedSettings: [],
      supportsCredentials: true,
      supportsTest: false,
      supportsJobs: false,
      nullableName: false,
    },
    schemas: {
      create: CreateBody,
      name: z.string(),
      settings: null,
      credentials: () => VersoriCredentials,
    },
    linkFormat: VERSORI_LINK_FORMAT,

    /** OAuth2 authorization code through connection-init and Switchboard's callback (provider-flow.ts). */
    providerFlow: createVersoriProviderFlow(config.id, client),

    credentialType(_kind: string, credentials: Credentials): string | null {
      return typeof credentials['type'] === 'string' ? credentials['type'] : null;
    },

    /** The app (`kind`) and the name the connection is made with. */
    expectedUpstream({ kind, name }: VersoriCreateInput): UpstreamExpectation {
      return { kind, name };
    },

    /** `input` is the body the gateway parsed with CreateBody (never parsed again); its credentials arrive sealed apart. */
    async create(
      ctx: CallContext,
      externalOrgId: string,
      { kind, name }: VersoriCreateInput,
      credentials: Secret<Credentials> | undefined,
    ): Promise<UpstreamConnection> {
      if (credentials === undefined)
        throw validationError([{ pointer: '/credentials', message: 'Required' }]);
      const { authType, data } = revealConnectionData(credentials);
      return toUpstreamConnection(
        await client.createConnection(ctx, externalOrgId, { name, appId: kind, authType, data }),
      );
    },

    async get(ctx: CallContext, ref: ConnectionRef): Promise<UpstreamConnection> {
      return toUpstreamConnection(await client.getConnection(ctx, ref.externalOrgId, ref.externalId));
    },

    async list(
      ctx: CallContext,
      externalOrgId: string,
      page: PageRequest,
    ): Promise<Page<UpstreamConnection>> {
      const limit = Math.max(1, page.limit);
      let pos = decodeCursor(page.cursor);
      const items: UpstreamConnection[] = [];
      for (let calls = 0; calls < MAX_UPSTREAM_PAGES_PER_LIST; calls += 1) {
        const upstream = await client.listConnections(ctx, externalOrgId, {
          first: limit - items.length,
          after: pos.a ?? undefined,
        });
        const start = resumeIndex(upstream, pos);
        const taken = upstream.items.slice(start, start + (limit - items.length));
        items.push(...taken.map(toUpstreamConnection));
        const end = start + taken.length;
        const last = taken.at(-1)?.id ?? pos.l;
        if (end < upstream.items.length)
          return { items, nextCursor: encodeCursor({ a: pos.a, s: end, l: last }) };
        const next = upstream.next ?? null;
        if (next === null || next === '' || next === pos.a) return { items, nextCursor: null };
        pos = { a: next, s: 0, l: null };
        if (items.length >= limit) break;
      }
      return { items, nextCursor: encodeCursor(pos) };
    },

    async replace(ctx: CallContext, ref: ConnectionRef, state: ConnectionState): Promise<UpstreamConnection> {
      if (state.name === null)
        throw validationError([{ pointer: '/name', message: 'a Versori connection needs a name' }]);
      const { data } = revealConnectionData(state.credentials);
      // Switchboard's PUT replaces name and secret together; the app and auth type stay.
      return toUpstreamConnection(
        await client.updateConnection(ctx, ref.externalOrgId, ref.externalId, { name: state.name, data }),
      );
    },

    async delete(ctx: CallContext, ref: ConnectionRef): Promise<void> {
      await client.deleteConnection(ctx, ref.externalOrgId, ref.externalId);
    },

    /**
     * The Apps the organisation already has connections to (GetConnectedApps, every page), by name.
     * Switchboard documents no list of the Apps an organisation could connect to besides these. An
     * App that only takes interactive flows (OAuth2 authorization code, OIDC) or has no valid auth
     * config is listed with `connect: null`.
     */
    async catalogue(ctx: CallContext, externalOrgId: string): Promise<CatalogueEntry[]> {
      const apps = new Map<string, ConnectedAppRead['app']>();
      for await (const page of connectedAppPages(client, ctx, externalOrgId))
        for (const item of page.items) if (!apps.has(item.app.id)) apps.set(item.app.id, item.app);
      return [...apps.values()]
        .map(catalogueEntryOf)
        .sort(
          (a, b) => a.name.localeCompare(b.name, 'en') || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0),
        );
    },
  };
}
