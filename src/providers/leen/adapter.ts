import { z } from 'zod';
import type {
  AdapterSchemas,
  CallContext,
  CatalogueEntry,
  ConnectionRef,
  Page,
  PageRequest,
  PatchModelAdapter,
  ProviderCapabilities,
  ProviderFlow,
  ProviderOAuth,
  UpstreamExpectation,
} from '../../core/adapter.js';
import type { AdapterDeps } from '../../upstream/index.js';
import type { CommonProviderConfig } from '../../config.js';
import type { ConnectionStatus, UpstreamConnection } from '../../core/connection.js';
import { GatewayError } from '../../core/errors.js';
import type { Secret } from '../../core/secret.js';
import { providerClientOptions } from '../../upstream/index.js';
import { fieldIssues } from '../../core/validation.js';
import type { LeenInviteTokenBody, LeenPage } from './api-types.js';
import {
  credentialRule,
  credentialTypeOf,
  DOCUMENTED_CREDENTIALS,
  isOAuth2Vendor,
  LEEN_VENDORS,
  LeenOptionsSchema,
  LeenVendorSchema,
  type LeenVendor,
} from './catalog.js';
import { createLeenClient, LEEN_MAX_PAGE, type LeenClient } from './client.js';
import { LEEN_LINK_FORMAT } from './link.js';
import {
  changeToLeen,
  connectionFromLeen,
  createBodyToLeen,
  jobFromLeen,
  WRITABLE_STATUS,
  type LeenCreateInput,
  type WritableStatus,
} from './mapping.js';
import { LEEN_VENDOR_NAMES } from './vendor-names.js';

/** The keys a `leen` provider entry adds to the common ones. */
export interface LeenConfig extends Record<string, unknown> {
  apiKey: Secret<string>;
  /**
   * A page of the caller's own that embeds Leen's OnRamp component (`@leendev/onramp`) and takes the
   * invite token as `?token=`: where the hosted connect page's "Continue with Leen OnRamp" goes.
   * Absent: the flow has no URL (the caller embeds OnRamp itself with the session's `provider_flow`).
   */
  onrampUrl?: string | undefined;
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

/** `identifier`: a string Leen sets no limits on, or null. */
const NAME = z.string({ error: 'Expected a string' });

const credentialsObject = z.record(z.string(), z.unknown(), { error: 'Expected an object' });

/**
 * The canonical create body for `leen` (contract §5.1), minus `provider`. Credentials are checked
 * against the vendor's rule (catalog.ts): a published shape where Leen shows one, else any
 * non-empty object; none needed for OAuth2 vendors. Options: documented keys typed, others pass.
 */
export const leenCreateSchema = z
  .strictObject({
    kind: LeenVendorSchema,
    name: NAME.nullable().optional(),
    credentials: credentialsObject.optional(),
    options: LeenOptionsSchema.nullish(),
  })
  .superRefine((body, ctx) => {
    const rule = credentialRule(body.kind);
    if (!rule) return;
    if (body.credentials === undefined) {
      if (rule.requiredOnCreate)
        ctx.addIssue({
          code: 'custom',
          path: ['credentials'],
          message: `Required: Leen documents the credentials of ${body.kind}`,
        });
      return;
    }
    const parsed = rule.schema.safeParse(body.credentials);
    if (parsed.success) return;
    for (const issue of fieldIssues(parsed.error))
      ctx.addIssue({ code: 'custom', path: ['credentials', ...issue.path], message: issue.message });
  });

export const LEEN_SCHEMAS: AdapterSchemas = {
  create: leenCreateSchema,
  name: NAME.nullable(),
  settings: null,
  credentials: (kind) => credentialRule(kind)?.schema ?? null,
};

/**
 * How the hosted connect page can connect a vendor: `oauth` for the vendors Leen documents as
 * authorized at `oauth2_authorize_url` (SNYK too: Leen documents an API-key mode besides, but not
 * the key's JSON field, so only its OAuth mode can be offered); `credentials` where Leen publishes
 * the credential shape (DOCUMENTED_CREDENTIALS); null for the others, whose credential JSON Leen
 * does not publish (a form would have to guess its fields). The gateway's API still creates those.
 */
function connectOf(vendor: LeenVendor): CatalogueEntry['connect'] {
  if (isOAuth2Vendor(vendor)) return 'oauth';
  return DOCUMENTED_CREDENTIALS[vendor] ? 'credentials' : null;
}

/**
 * Every vendor of Leen's enum, by name. The same for every organization: Leen documents no
 * per-organization list of vendors (its OnRamp demo's `GET /connectors` is not a documented API),
 * so nothing is read upstream.
 */
export const LEEN_CATALOGUE: readonly CatalogueEntry[] = LEEN_VENDORS.map(
  (vendor): CatalogueEntry => ({ kind: vendor, name: LEEN_VENDOR_NAMES[vendor], connect: connectOf(vendor) }),
).sort((a, b) => a.name.localeCompare(b.name, 'en') || a.kind.localeCompare(b.kind, 'en'));

/**
 * Leen's OAuth2 consent. The create input carries the page's return URLs as
 * `options.oauth2_redirect_urls`, which "replaces the default redirect to Leen's splash page"
 * (Create Connection guide); the guide shows it for MS_DEFENDER_VMS, MS_DEFENDER_ENDPOINT,
 * MS_ENTRA and SNYK and does not say whether JIRA honours it (if not, the user lands on Leen's
 * page). Which query parameters Leen adds to those URLs is not documented: the page must not
 * depend on any, and reads the connection again instead. How long the authorize URL stays valid
 * is not documented either.
 */
export const LEEN_OAUTH: ProviderOAuth = {
  createInput(kind, returnTo) {
    return { kind, options: { oauth2_redirect_urls: { success: returnTo.success, error: returnTo.error } } };
  },
  authorizeUrl(connection) {
    const url = connection.details['oauth2_authorize_url'];
    return typeof url === 'string' && url !== '' ? url : null;
  },
};

/** `url` with `?token=` (added to any query it has). */
function withToken(url: string, token: string): string {
  const out = new URL(url);
  out.searchParams.set('token', token);
  return out.toString();
}

/** Whether `at` (an ISO date-time, or null) is later than `than`. */
function isAfter(at: string | null, than: string): boolean {
  if (at === null) return false;
  const a = Date.parse(at);
  const b = Date.parse(than);
  return !Number.isNaN(a) && !Number.isNaN(b) && a > b;
}

/**
 * The provider-hosted flow (contract §11): a one-time OnRamp connection invite token
 * (`POST …/connection-invite-tokens`, docs/providers/leen.md §10) for the end user's browser, where
 * Leen's OnRamp component takes their credentials and calls Leen itself with
 * `X-CONNECTION-INVITE-TOKEN`: the secret never reaches the gateway. The token carries the session
 * id as `identifier`, which Leen applies to the connection "created or updated with this token";
 * that is how the gateway recognises it in a list (Leen documents no webhook or callback).
 *
 * - A new connection: `vendor` is the session's kind, or null when the session allows any (what a
 *   token without a vendor allows is not documented; the simulator takes it as "any vendor").
 * - A reconnect: `connection_id` "instead of a vendor" (Leen's update-token guide), so no vendor is
 *   sent. Leen documents that the token's identifier is applied on an update too: the connection's
 *   `name` becomes the session id (the contract asks for that identifier either way).
 * - `expiry_secs` is the session's remaining lifetime, in whole seconds (at least 1), so the token
 *   never outlives the session. Leen documents the default (1800) but no minimum or maximum: none
 *   is applied.
 * - OAuth2 vendors: `options.oauth2_redirect_urls` send the end user back to the hosted page's
 *   status URL after the consent (the options "will directly be applied to the connection"). For a
 *   session open to any vendor none are sent: Leen's invite-token reference limits URL overrides to
 *   some vendors, and an option a vendor does not take could fail the mint; the end user then
 *   lands on Leen's page and the gateway still finds the connection on its next list.
 * - No `revoke`: Leen documents no way to revoke a token; it expires (one-time use, `expiry_secs`).
 * - `url`: OnRamp is a React component, not a page Leen hosts, so there is none, unless the entry
 *   names a page of the caller's that embeds it (`onrampUrl`): then that page with `?token=`.
 */
export function leenProviderFlow(client: LeenClient, onrampUrl: string | undefined): ProviderFlow {
  return {
    name: 'Leen OnRamp',
    optionsSchema: null,

    async start(ctx, externalOrgId, req) {
      const expirySecs = Math.max(1, Math.floor(req.ttlSeconds));
      const body: LeenInviteTokenBody = { identifier: req.sessionId, expiry_secs: expirySecs };
      if (req.reconnect !== null) body.connection_id = req.reconnect.externalId;
      else body.vendor = req.kind;
      if (req.reconnect === null && req.kind !== null && isOAuth2Vendor(req.kind))
        body.options = { oauth2_redirect_urls: { success: req.returnUrl, error: req.returnUrl } };
      const minted = Date.now();
      const { token } = await client.createInviteToken(ctx, externalOrgId, body);
      // Leen does not return the expiry: the session's, unless the token's (as sent) comes first.
      const tokenExpiry = minted + expirySecs * 1000;
      const sessionExpiry = Date.parse(req.expiresAt);
      const expiresAt =
        Number.isNaN(sessionExpiry) || tokenExpiry < sessionExpiry
          ? new Date(tokenExpiry).toISOString()
          : req.expiresAt;
      return {
        provider_flow: { type: 'leen_invite_token', token, expires_at: expiresAt },
        url: onrampUrl === undefined ? null : withToken(onrampUrl, token),
        handle: null,
      };
    },

    /**
     * A new connection: its `name` (Leen's `identifier`) is the session id, and its kind the
     * session's when it named one. A reconnect: that connection, once the token's update shows on it:
     * its identifier became the session id, or its `updated_at` is after the flow started (Leen's
     * clock against the gateway's: the identifier is the sure sign, the time a fallback).
     */
    recognises(connection: UpstreamConnection, started) {
      if (started.reconnectExternalId !== null)
        return (
          connection.external_id === started.reconnectExternalId &&
          (connection.name === started.sessionId ||
            isAfter(connection.updated_at, started.startedAt) ||
            isAfter(connection.credentials.updated_at, started.startedAt))
        );
      return (
        connection.name === started.sessionId && (started.kind === null || connection.kind === started.kind)
      );
    },
  };
}

const CURSOR = /^(0|[1-9][0-9]{0,14})$/;

/** Cursors are the upstream offset of the next item, as a decimal string. */
function offsetOf(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  if (!CURSOR.test(cursor)) {
    throw new GatewayError('validation_failed', 'The cursor is not valid.', {
      errors: [{ pointer: '/cursor', message: 'Malformed cursor' }],
    });
  }
  return Number(cursor);
}

/**
 * Fills a page of up to `limit` items from Leen's offset pages (at most 100 per call), and points
 * the cursor right after the last item returned. The end is a short page, or `total` when Leen
 * sends one (the list envelopes are not documented, so `total` may be missing).
 */
async function collect<T>(
  page: PageRequest,
  fetchPage: (limit: number, offset: number) => Promise<LeenPage<T>>,
): Promise<Page<T>> {
  const limit = Math.max(1, Math.floor(page.limit));
  let offset = offsetOf(page.cursor);
  const items: T[] = [];
  for (;;) {
    const want = Math.min(LEEN_MAX_PAGE, limit - items.length);
    const res = await fetchPage(want, offset);
    const got = res.items.slice(0, want);
    items.push(...got);
    offset += got.length;
    const ended = got.length < want || (res.total !== null && offset >= res.total);
    if (ended) return { items, nextCursor: null };
    if (items.length >= limit) return { items, nextCursor: String(offset) };
  }
}

function isWritable(status: ConnectionStatus): status is WritableStatus {
  return (WRITABLE_STATUS as readonly string[]).includes(status);
}

export function createLeenAdapter(
  config: CommonProviderConfig & LeenConfig,
  deps: AdapterDeps,
): PatchModelAdapter {
  const client = createLeenClient({ ...providerClientOptions(config, deps), apiKey: config.apiKey });

  const get = async (ctx: CallContext, ref: ConnectionRef) =>
    connectionFromLeen(await client.getConnection(ctx, ref.externalOrgId, ref.externalId));

  return {
    id: config.id,
    type: config.type,
    capabilities: LEEN_CAPABILITIES,
    schemas: LEEN_SCHEMAS,
    linkFormat: LEEN_LINK_FORMAT,
    oauth: LEEN_OAUTH,
    providerFlow: leenProviderFlow(client, config.onrampUrl),
    get,

    /** Leen's vendors (no upstream call): see LEEN_CATALOGUE. A fresh copy for each caller. */
    catalogue() {
      return Promise.resolve(LEEN_CATALOGUE.map((entry) => ({ ...entry })));
    },

    /** The vendor, and the identifier (Leen leaves it null when none is sent). */
    expectedUpstream(input: LeenCreateInput): UpstreamExpectation {
      return { kind: input.kind, name: input.name ?? null };
    },

    /** `input` is the body the gateway parsed with LEEN_SCHEMAS.create (never parsed again). */
    async create(ctx, externalOrgId, input: LeenCreateInput, credentials) {
      const body = createBodyToLeen(input, credentials?.reveal());
      return connectionFromLeen(await client.createConnection(ctx, externalOrgId, body));
    },

    async list(ctx, externalOrgId, page) {
      const res = await collect(page, (limit, offset) =>
        client.listConnections(ctx, externalOrgId, limit, offset),
      );
      return { items: res.items.map(connectionFromLeen), nextCursor: res.nextCursor };
    },

    async patch(ctx, ref, change) {
      const { name, status, credentials } = change;
      if (name === undefined && status === undefined && credentials === undefined) return get(ctx, ref);
      if (status !== undefined && !isWritable(status)) {
        throw new GatewayError(
          'internal',
          `status ${status} reached the Leen adapter although it is not writable`,
        );
      }
      // Runs under the connection's lock: the state read here is the one the PATCH carries back.
      const currentState =
        status === undefined
          ? (await client.getConnection(ctx, ref.externalOrgId, ref.externalId)).state
          : '';
      const body = changeToLeen(
        {
          ...(name !== undefined ? { name } : {}),
          ...(status !== undefined ? { status } : {}),
          ...(credentials !== undefined ? { credentials: credentials.reveal() } : {}),
        },
        currentState,
      );
      return connectionFromLeen(await client.updateConnection(ctx, ref.externalOrgId, ref.externalId, body));
    },

    async delete(ctx, ref) {
      await client.deleteConnection(ctx, ref.externalOrgId, ref.externalId);
    },

    async test(ctx, ref) {
      const res = await client.testConnection(ctx, ref.externalOrgId, ref.externalId);
      const detail =
        typeof res.message === 'string'
          ? res.message
          : res.message == null
            ? null
            : JSON.stringify(res.message);
      return { ok: res.is_valid, detail };
    },

    async jobs(ctx, ref, page) {
      const res = await collect(page, (limit, offset) =>
        client.listJobs(ctx, ref.externalOrgId, ref.externalId, limit, offset),
      );
      return { items: res.items.map(jobFromLeen), nextCursor: res.nextCursor };
    },

    credentialType(kind, credentials) {
      return credentialTypeOf(kind, credentials);
    },
  };
}
