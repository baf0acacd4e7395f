import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { offsetPage } from '../../../simulator/paging.js';
import type { SimApp, SimContext } from '../../../simulator/server.js';
import { check } from '../../../simulator/validation.js';
import {
  LeenCreateConnectionBody,
  LeenCreateOrganizationBody,
  LeenUpdateConnectionBody,
  type LeenConnection,
  type LeenValidationIssue,
} from '../api-types.js';
import { DEFAULT_REFRESH_INTERVAL_SECS, DEFAULT_TIMEOUT_SECS } from '../fixtures.js';
import {
  bodyOf,
  ConnectionPath,
  credentialsIssues,
  InviteTokenBody,
  optionsIssues,
  OrganizationPath,
  pageOf,
  parsedBody,
  pathIssues,
  type Page,
} from './bodies.js';
import { detailError, notFound, unprocessable } from './errors.js';
import { assumptions, escapeHtml, page } from './html.js';
import { onrampRoutes } from './onramp.js';
import {
  authModeOf,
  credentialFacts,
  healthOf,
  type LeenSimState,
  type SimConnection,
  type SimInviteToken,
  type SimOrganization,
} from './state.js';
import { mintToken, tokenRefused, usableToken, useToken } from './tokens.js';

/** Behaviour Leen does not document, switchable at run time (also `PUT /__sim/behaviour`). */
export interface LeenSimBehaviour {
  /** What a PATCH without `state` does: reset it to ACTIVE (one documented revision) or leave it. */
  omittedPatchState: 'ACTIVE' | 'unchanged';
  /** How list envelopes carry `total`: a number, null, or not at all. */
  listTotal: 'number' | 'null' | 'absent';
}

export const DEFAULT_BEHAVIOUR: LeenSimBehaviour = { omittedPatchState: 'ACTIVE', listTotal: 'number' };

const BehaviourPatch = z.strictObject({
  omittedPatchState: z.enum(['ACTIVE', 'unchanged']).optional(),
  listTotal: z.enum(['number', 'null', 'absent']).optional(),
});

/** What the routes serve from. */
export interface LeenService {
  state: LeenSimState;
  /** The only `X-API-KEY` accepted. */
  apiKey: string;
  behaviour: LeenSimBehaviour;
  /** The clock invite tokens expire on (milliseconds; tests move it instead of waiting). */
  now: () => number;
}

/**
 * What the consent page assumes where Leen's documents are silent, shown on the page itself so
 * nobody mistakes it for Leen's behaviour.
 */
const CONSENT_ASSUMPTIONS = assumptions([
  'The authorize URL stays valid for as long as the connection is pending (no expiry).',
  `Approve makes the connection ACTIVE and HEALTHY. Deny changes nothing: the connection stays
pending and this URL can be used again.`,
  `Only a pending connection can be authorized: an approved (active), paused or deleted one cannot be
authorized again; it has no authorize URL, and this page answers 404.`,
  `The redirect (303) goes to <code>oauth2_redirect_urls.success</code> or <code>.error</code>
exactly as given, with no query parameters added; without them this simulator shows a page of its own
in place of Leen's splash page.`,
]);

/** The calls that take `X-CONNECTION-INVITE-TOKEN` (docs/providers/leen.md §10): Create Connection and Update Connection. */
function takesInviteToken(method: string, path: string): boolean {
  if (method === 'POST') return /^\/provisioning\/organizations\/[^/]+\/connections\/?$/.test(path);
  if (method === 'PATCH') return /^\/provisioning\/organizations\/[^/]+\/connections\/[^/]+\/?$/.test(path);
  return false;
}

/** A timestamp later than `previous`, so `updated_at` moves on every write. */
function after(previous: string): string {
  const now = Date.now();
  const prev = Date.parse(previous);
  return new Date(Number.isNaN(prev) || now > prev ? now : prev + 1).toISOString();
}

/** The provisioning API (organizations, invite tokens, connections, their tests and jobs), the consent and OnRamp pages, and the behaviour switch. */
export function routes(app: SimApp, { state, apiKey, behaviour, now: clock }: LeenService): void {
  const liveOrg = (id: string) => state.organizations.find((o) => o.id === id);
  const liveConnection = (orgId: string, id: string) =>
    state.connections.find((c) => c.id === id && c.organization_id === orgId && c.state !== 'DELETED');

  function paginate<T>(all: T[], page: Page): { items: T[]; total?: number | null } {
    const { items } = offsetPage(all, page.offset, page.limit);
    if (behaviour.listTotal === 'absent') return { items };
    return { items, total: behaviour.listTotal === 'null' ? null : all.length };
  }

  function authorizeUrl(c: SimContext, conn: SimConnection): string | null {
    if (conn.auth !== 'oauth2' || conn.state !== 'PENDING') return null;
    const url = new URL('/oauth2/authorize', new URL(c.req.url).origin);
    url.searchParams.set('connection_id', conn.id);
    return url.toString();
  }

  function render(c: SimContext, conn: SimConnection, withOrganizationName = false): LeenConnection {
    const out: LeenConnection = {
      id: conn.id,
      vendor: conn.vendor,
      is_active: conn.state === 'ACTIVE',
      refresh_interval_secs: conn.refresh_interval_secs,
      timeout_secs: conn.timeout_secs,
      organization_id: conn.organization_id,
      state: conn.state,
      created_at: conn.created_at,
      updated_at: conn.updated_at,
      health: structuredClone(conn.health),
      oauth2_authorize_url: authorizeUrl(c, conn),
      identifier: conn.identifier,
    };
    if (withOrganizationName) out.organization_name = liveOrg(conn.organization_id)?.name ?? '';
    return out;
  }

  /** Validates the path (and `extra` problems found before), then finds the live connection (or answers 404). */
  function lookup(c: SimContext, extra: LeenValidationIssue[] = []): SimConnection {
    const issues = [...pathIssues(c, ConnectionPath), ...extra];
    if (issues.length > 0) unprocessable(issues);
    const orgId = c.req.param('org') ?? '';
    if (!liveOrg(orgId)) notFound('Organization');
    return liveConnection(orgId, c.req.param('id') ?? '') ?? notFound('Connection');
  }

  app.notFound((c) => c.json({ detail: 'Not Found' }, 404));

  // The API key, or on the two calls that take one (and with no key sent), an invite token.
  app.use('/provisioning/*', async (c, next) => {
    const key = c.req.header('x-api-key');
    const token = c.req.header('x-connection-invite-token');
    if (
      key === undefined &&
      token !== undefined &&
      token !== '' &&
      takesInviteToken(c.req.method, c.req.path)
    )
      return next();
    if (key !== apiKey) detailError(401, 'Invalid API key');
    return next();
  });

  /** The call's usable invite token (X-CONNECTION-INVITE-TOKEN), null without one; 401 for one that is not. */
  function grantOf(c: SimContext): SimInviteToken | null {
    const token = c.req.header('x-connection-invite-token');
    if (token === undefined || token === '') return null;
    return usableToken(state, token, c.req.param('org') ?? '', clock());
  }

  /** `oauth2_redirect_urls` of `options` when it is an object (an empty value counts as none later). */
  function redirectsOf(
    options: Record<string, unknown> | null | undefined,
  ): SimConnection['oauth2_redirect_urls'] {
    const redirects = options?.['oauth2_redirect_urls'];
    return redirects !== null && typeof redirects === 'object'
      ? (redirects as SimConnection['oauth2_redirect_urls'])
      : null;
  }

  /**
   * Create Connection once its body passed the schema: the vendor's credentials and the options are
   * checked (in one 422 with the `earlier` problems), the organization found; with an invite token,
   * the call is what the token allows (tokens.ts): an update token updates its connection instead.
   * The token is used up only when the call succeeds.
   */
  function createConnection(
    orgId: string,
    body: LeenCreateConnectionBody,
    grant: SimInviteToken | null,
    earlier: LeenValidationIssue[] = [],
  ): { conn: SimConnection; created: boolean } {
    const { vendor, credentials } = body;
    const issues = [
      ...earlier,
      ...credentialsIssues(vendor, body, credentials),
      ...optionsIssues(body.options),
    ];
    if (issues.length > 0) unprocessable(issues);
    if (!liveOrg(orgId)) notFound('Organization');
    if (grant !== null && grant.connection_id !== null) {
      const conn = liveConnection(orgId, grant.connection_id) ?? notFound('Connection');
      if (conn.vendor !== vendor)
        tokenRefused(`This connection invite token updates a ${conn.vendor} connection, not ${vendor}`);
      if (credentials !== undefined && credentials !== null)
        Object.assign(conn, credentialFacts(credentials));
      if (grant.identifier !== null) conn.identifier = grant.identifier;
      else if (body.identifier !== undefined) conn.identifier = body.identifier;
      conn.oauth2_redirect_urls = redirectsOf(grant.options) ?? conn.oauth2_redirect_urls;
      conn.updated_at = after(conn.updated_at);
      useToken(grant, conn.id, clock());
      return { conn, created: false };
    }
    if (grant !== null && grant.vendor !== null && grant.vendor !== vendor)
      tokenRefused(`This connection invite token is for ${grant.vendor}, not ${vendor}`);
    // The token's options are set server-side and hidden from the end user: its keys win.
    const options = grant?.options ? { ...body.options, ...grant.options } : body.options;
    const now = new Date().toISOString();
    const auth = authModeOf(vendor, credentials);
    const conn: SimConnection = {
      id: randomUUID(),
      vendor,
      organization_id: orgId,
      state: auth === 'oauth2' ? 'PENDING' : 'ACTIVE',
      refresh_interval_secs: DEFAULT_REFRESH_INTERVAL_SECS,
      timeout_secs: DEFAULT_TIMEOUT_SECS,
      created_at: now,
      updated_at: now,
      health: healthOf(auth === 'oauth2' ? 'UNAUTHORIZED' : 'HEALTHY'),
      identifier: grant?.identifier ?? body.identifier ?? null,
      ...credentialFacts(credentials),
      auth,
      oauth2_redirect_urls: redirectsOf(options),
    };
    state.connections.push(conn);
    if (grant !== null) useToken(grant, conn.id, clock());
    return { conn, created: true };
  }

  /* organizations */

  app.post('/provisioning/organizations', async (c) => {
    const body = await bodyOf(c, LeenCreateOrganizationBody);
    if ('issues' in body) unprocessable(body.issues);
    const org: SimOrganization = {
      id: randomUUID(),
      name: body.data.name,
      identifier: body.data.identifier ?? null,
      created_at: new Date().toISOString(),
    };
    state.organizations.push(org);
    return c.json(org, 200);
  });

  app.get('/provisioning/organizations', (c) => {
    const { page, issues } = pageOf(c);
    if (issues.length > 0) unprocessable(issues);
    return c.json(paginate(state.organizations, page), 200);
  });

  app.get('/provisioning/organizations/:org', (c) => {
    const issues = pathIssues(c, OrganizationPath);
    if (issues.length > 0) unprocessable(issues);
    return c.json(liveOrg(c.req.param('org')) ?? notFound('Organization'), 200);
  });

  /* OnRamp invite tokens */

  app.post('/provisioning/organizations/:org/connection-invite-tokens', async (c) => {
    const body = await bodyOf(c, InviteTokenBody);
    const issues = pathIssues(c, OrganizationPath);
    if ('issues' in body) unprocessable([...issues, ...body.issues]);
    issues.push(...optionsIssues(body.data.options));
    if (issues.length > 0) unprocessable(issues);
    const org = liveOrg(c.req.param('org')) ?? notFound('Organization');
    return c.json({ token: mintToken(state, org.id, body.data, clock()) }, 200);
  });

  /* connections */

  const CONNECTIONS = '/provisioning/organizations/:org/connections';
  const CONNECTION = `${CONNECTIONS}/:id`;

  app.post(CONNECTIONS, async (c) => {
    const grant = grantOf(c);
    const body = await bodyOf(c, LeenCreateConnectionBody);
    const issues = pathIssues(c, OrganizationPath);
    if ('issues' in body) unprocessable([...issues, ...body.issues]);
    return c.json(render(c, createConnection(c.req.param('org'), body.data, grant, issues).conn), 200);
  });

  app.get(CONNECTIONS, (c) => {
    const orgId = c.req.param('org');
    const { page, issues } = pageOf(c);
    const all = [...pathIssues(c, OrganizationPath), ...issues];
    if (all.length > 0) unprocessable(all);
    if (!liveOrg(orgId)) notFound('Organization');
    const list = paginate(
      state.connections.filter((x) => x.organization_id === orgId && x.state !== 'DELETED'),
      page,
    );
    return c.json({ items: list.items.map((x) => render(c, x)), total: list.total }, 200);
  });

  app.get(CONNECTION, (c) => c.json(render(c, lookup(c), true), 200));

  app.patch(CONNECTION, async (c) => {
    const grant = grantOf(c);
    const body = await bodyOf(c, LeenUpdateConnectionBody);
    const conn = lookup(c, 'issues' in body ? body.issues : []);
    if ('issues' in body) unprocessable(body.issues);
    if (grant !== null && grant.connection_id === null)
      tokenRefused('This connection invite token creates a connection; it cannot update one');
    if (grant !== null && grant.connection_id !== conn.id)
      tokenRefused('This connection invite token is for another connection');
    const { credentials, identifier, state: newState } = body.data;
    if (credentials !== undefined && credentials !== null) {
      const issues = credentialsIssues(conn.vendor, body.data, credentials);
      if (issues.length > 0) unprocessable(issues);
      Object.assign(conn, credentialFacts(credentials));
    }
    if (grant !== null && grant.identifier !== null) conn.identifier = grant.identifier;
    else if (identifier !== undefined) conn.identifier = identifier;
    if (newState !== undefined && newState !== null) conn.state = newState;
    else if (behaviour.omittedPatchState === 'ACTIVE') conn.state = 'ACTIVE';
    if (grant !== null) {
      conn.oauth2_redirect_urls = redirectsOf(grant.options) ?? conn.oauth2_redirect_urls;
      useToken(grant, conn.id, clock());
    }
    conn.updated_at = after(conn.updated_at);
    return c.json(render(c, conn), 200);
  });

  app.delete(CONNECTION, (c) => {
    const conn = lookup(c);
    conn.state = 'DELETED';
    conn.updated_at = after(conn.updated_at);
    return c.json(render(c, conn), 200);
  });

  app.get(`${CONNECTION}/test`, (c) => {
    const conn = lookup(c);
    if (conn.auth === 'oauth2' && conn.state === 'PENDING') {
      return c.json({ is_valid: false, message: 'OAuth2 authorization has not been completed' }, 200);
    }
    const rejected = conn.health.name === 'UNAUTHORIZED' || conn.credentials_test_fails;
    return c.json(
      rejected
        ? { is_valid: false, message: `${conn.vendor} rejected the credentials (401 Unauthorized)` }
        : { is_valid: true, message: 'Credentials are valid' },
      200,
    );
  });

  app.get(`${CONNECTION}/jobs`, (c) => {
    const { page, issues } = pageOf(c);
    const conn = lookup(c, issues);
    return c.json(paginate(state.jobs.filter((j) => j.connection_id === conn.id).reverse(), page), 200);
  });

  /*
   * The end user's OAuth2 consent (not part of Leen's API: what the authorize URL opens, standing in
   * for the vendor's consent screen and Leen's redirect after it). Documented: approving makes the
   * connection usable, and the browser then goes to `options.oauth2_redirect_urls.success` (`error`
   * on failure) when given, else to Leen's splash ("success") page. Leen is silent on the rest; what
   * this page assumes is shown on it (CONSENT_ASSUMPTIONS) and listed in docs/providers/leen.md §9.
   */

  function pendingOAuth(id: string | undefined): SimConnection {
    const conn = state.connections.find((x) => x.id === id);
    return conn && conn.state === 'PENDING' && conn.auth === 'oauth2'
      ? conn
      : detailError(404, 'No pending OAuth2 authorization for this connection');
  }

  app.get('/oauth2/authorize', (c) => {
    const conn = pendingOAuth(c.req.query('connection_id'));
    const vendor = escapeHtml(conn.vendor);
    return c.html(
      page(
        `Authorize ${vendor}`,
        `<h1>Leen simulator: authorize ${vendor}</h1>
<p>Let Leen read your ${vendor} data for connection <code>${escapeHtml(conn.id)}</code>?</p>
<form method="post"><input type="hidden" name="connection_id" value="${escapeHtml(conn.id)}">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button></form>
${CONSENT_ASSUMPTIONS}`,
      ),
    );
  });

  app.post('/oauth2/authorize', async (c) => {
    const form = await c.req.parseBody();
    const conn = pendingOAuth(
      typeof form['connection_id'] === 'string' ? form['connection_id'] : c.req.query('connection_id'),
    );
    const approved = form['decision'] !== 'deny';
    if (approved) {
      conn.state = 'ACTIVE';
      conn.health = healthOf('HEALTHY');
      conn.updated_at = after(conn.updated_at);
    }
    // An empty override (Leen's own invite-token example sends `""`) counts as none.
    const target = approved ? conn.oauth2_redirect_urls?.success : conn.oauth2_redirect_urls?.error;
    if (target) return c.redirect(target, 303);
    const vendor = escapeHtml(conn.vendor);
    return c.html(
      approved
        ? page(
            'Connected',
            `<h1>Leen simulator: success</h1>
<p>${vendor} is connected. You can close this tab.</p>
<p>(Leen's default splash page: the connection was created without <code>oauth2_redirect_urls</code>.)</p>`,
          )
        : page(
            'Authorization denied',
            `<h1>Leen simulator: authorization denied</h1>
<p>${vendor} was not connected. The connection stays pending; its authorize URL still works.</p>
<p>(Leen's default page: the connection was created without <code>oauth2_redirect_urls</code>.)</p>`,
          ),
      200,
    );
  });

  onrampRoutes(app, {
    state,
    connect(grant, raw) {
      const body = parsedBody(LeenCreateConnectionBody, raw);
      if ('issues' in body) unprocessable(body.issues);
      return createConnection(grant.organization_id, body.data, grant);
    },
    authorizeUrl,
  });

  app.put('/__sim/behaviour', async (c) => {
    const parsed = check(BehaviourPatch, await c.req.json().catch(() => null));
    if (!parsed.ok)
      detailError(400, 'expected {omittedPatchState?: ACTIVE|unchanged, listTotal?: number|null|absent}');
    Object.assign(
      behaviour,
      Object.fromEntries(Object.entries(parsed.value).filter(([, v]) => v !== undefined)),
    );
    return c.json(behaviour, 200);
  });
}
