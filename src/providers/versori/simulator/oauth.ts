import { randomBytes } from 'node:crypto';
import { fail } from '../../../simulator/errors.js';
import type { SimApp, SimContext } from '../../../simulator/server.js';
import {
  VERSORI_API_BASE_PATH,
  type App,
  type AppAuthConfig,
  type AppAuthConfigOAuth2,
  type Credential,
  type InitConnectionResponseBody,
  type VersoriAuthType,
  type VersoriError,
} from '../api-types.js';
import { formSchema } from './bodies.js';
import { insertConnection, type VersoriSimState } from './state.js';
import { escapeHtml } from '../../../simulator/html.js';

/**
 * Switchboard's interactive connect flow, simulated end to end:
 *
 * 1. `POST …/organisations/{organisationId}/connection-init` (InitialiseConnection, routes.ts)
 *    answers `action.redirect.url` for an App's OAuth2 authorization-code config, and
 *    `action.form.schema` for any other (`initConnection`). The redirect carries an opaque `state`
 *    that ties the grant to the organisation and the App.
 * 2. `GET /oauth2-provider/authorize` stands in for the App's OAuth2 provider (its
 *    `authorizationEndpoint`): a page with the buttons "Authorize" and "Cancel", which redirect (303)
 *    to the `redirect_uri` with `code` and `state`, or `error=access_denied`, `error_description`
 *    and `state`.
 * 3. `GET …/connections/oauth2/callback` (FinaliseConnectionCallback, tagged `public`: no API key)
 *    checks `state` and `code` (each once, before it expires), "exchanges" the code, creates the
 *    Connection and answers 201 `Credential`, or, to a browser, redirects (303) to
 *    `/switchboard-ui/oauth2/result`, a small page saying "Connected — you can close this window"
 *    (or why not).
 *
 * Stable texts for browser tests: buttons "Authorize" and "Cancel"; headings "Connected — you can
 * close this window", "Not connected" and "Simulator assumptions". What the pages assume where
 * Versori's documents are silent is shown on them (ASSUMPTIONS) and in docs/providers/versori.md.
 * Grants and codes live in memory only (a restart forgets them); the Connection a callback makes is
 * part of the state (and its state file).
 */

export const OAUTH2_CALLBACK_PATH = `${VERSORI_API_BASE_PATH}/connections/oauth2/callback`;
/** The simulated third-party OAuth2 provider's authorize page (for every App: told apart by `client_id`). */
export const AUTHORIZE_PAGE_PATH = '/oauth2-provider/authorize';
/** Where the callback sends a browser: the simulated Switchboard UI's last page. */
export const RESULT_PAGE_PATH = '/switchboard-ui/oauth2/result';
/** The simulator's pages for browsers, outside the API root (the spec checks do not apply to them). */
export const VERSORI_SIM_PAGE_PATHS: readonly string[] = [AUTHORIZE_PAGE_PATH, RESULT_PAGE_PATH];

/** How long connection-init's `state` may be brought back (Versori documents no expiry). */
export const STATE_TTL_MS = 10 * 60_000;
/** How long the provider's authorization code may be exchanged (RFC 6749 §4.1.2 recommends at most 10 minutes). */
export const CODE_TTL_MS = 60_000;

/** A grant connection-init started, by its `state`. */
interface Grant {
  orgId: string;
  appId: string;
  authType: VersoriAuthType;
  clientId: string;
  redirectUri: string;
  expiresAt: number;
  used: boolean;
}

/** A code the simulated OAuth2 provider issued. */
interface IssuedCode {
  clientId: string;
  redirectUri: string;
  expiresAt: number;
  used: boolean;
}

/** The grants and codes in flight (memory only). */
export interface OAuthFlows {
  grants: Map<string, Grant>;
  codes: Map<string, IssuedCode>;
}

export function newOAuthFlows(): OAuthFlows {
  return { grants: new Map(), codes: new Map() };
}

export interface OAuthService {
  state: VersoriSimState;
  flows: OAuthFlows;
  /** The clock of expiry (ms since the epoch). */
  now(): number;
  /** Writes the state file, if any: the callback is a GET, which the kit does not persist after. */
  persist(): void;
}

const ASSUMPTIONS: readonly string[] = [
  "The authorize page stands in for the App's own OAuth2 provider (its <code>authorizationEndpoint</code>): one page for every App, told apart by <code>client_id</code> (the App config's <code>clientId</code>).",
  "Its <code>redirect_uri</code> is the API's <code>/connections/oauth2/callback</code>. Versori says the URL registered with a real provider is a Switchboard URL shown when the App is created, not this API URL; how that URL reaches the API is not documented.",
  '<code>state</code> is opaque, made by connection-init, tied to the organisation and the App, usable once and for 10 minutes; the code is usable once and for 60 seconds. Versori documents neither lifetime. An expired, reused or unknown <code>state</code> or code is refused (400).',
  'The callback creates the Connection at once, before it answers (Versori does not say how or when the Connection is created): named after the App, with auth type <code>oauth2</code> and a new credential.',
  'A browser (<code>Accept: text/html</code>) is redirected (303) to a result page; other callers get 201 with the <code>Credential</code> (type <code>OAuth2Refresh</code>, its secret fields left out). The documented 204 is never answered.',
  'Cancel sends <code>error=access_denied</code> and an <code>error_description</code> to the callback, which answers 400 <code>oauth2_error</code> with both in <code>extensions</code> and creates nothing.',
  'No way back: connection-init takes only <code>appId</code> and <code>authType</code>, no return URL, so the last page cannot link back to where the flow started. Close the window.',
  'The callback needs no API key (the spec tags it <code>public</code>; a browser redirect cannot carry one), although the document does not lift its global security for it.',
];

const PAGE_HEADERS = {
  'cache-control': 'no-store',
  // The authorize page's URL holds the state, the callback's the code: no Referer carries them on.
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; img-src data:; form-action 'self'; frame-ancestors 'none'",
} as const;

function page(c: SimContext, status: 200 | 400 | 404, title: string, body: string): Response {
  const html = `<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title>
<link rel="icon" href="data:,">
<body>
${body}
<section aria-labelledby="sim-assumptions">
<h2 id="sim-assumptions">Simulator assumptions</h2>
<p>Versori does not document these; this simulator assumes:</p>
<ul>
${ASSUMPTIONS.map((a) => `<li>${a}</li>`).join('\n')}
</ul>
</section>
</body></html>`;
  return c.html(html, status, PAGE_HEADERS);
}

function opaque(): string {
  return randomBytes(32).toString('base64url');
}

/** The App's OAuth2 authorization-code config among its configs of `authType`, if any. */
function authorizationCodeConfig(app: App, authType: string): AppAuthConfigOAuth2 | undefined {
  const config = app.supportedAuthConfigs?.find(
    (a) => a.type === authType && (a.data as AppAuthConfigOAuth2).flowType === 'authorization_code',
  );
  return config?.data as AppAuthConfigOAuth2 | undefined;
}

/** The `client_id` the simulated provider knows an App's authorization-code config by. */
function clientIdOf(app: App, config: AppAuthConfigOAuth2): string {
  return config.clientId !== undefined && config.clientId !== '' ? config.clientId : app.id;
}

function sweep(flows: OAuthFlows, now: number): void {
  // Kept one lifetime past expiry, so a late or repeated callback is told "expired" or "used".
  for (const [k, g] of flows.grants) if (g.expiresAt + STATE_TTL_MS < now) flows.grants.delete(k);
  for (const [k, x] of flows.codes) if (x.expiresAt + CODE_TTL_MS < now) flows.codes.delete(k);
}

/**
 * InitialiseConnection's answer for `app` in organisation `orgId` with `authType` (checked: the App
 * has a config of that type). An OAuth2 authorization-code config gets a redirect to the simulated
 * provider with a new `state`; every other config a form (bodies.ts `formSchema`).
 */
export function initConnection(
  svc: OAuthService,
  c: SimContext,
  orgId: string,
  app: App,
  authType: VersoriAuthType,
): InitConnectionResponseBody {
  const config = authorizationCodeConfig(app, authType);
  if (!config) return { action: { form: { schema: formSchema(authType) } } };
  const now = svc.now();
  sweep(svc.flows, now);
  const origin = new URL(c.req.url).origin;
  const state = opaque();
  const clientId = clientIdOf(app, config);
  const redirectUri = `${origin}${OAUTH2_CALLBACK_PATH}`;
  svc.flows.grants.set(state, {
    orgId,
    appId: app.id,
    authType,
    clientId,
    redirectUri,
    expiresAt: now + STATE_TTL_MS,
    used: false,
  });
  const url = new URL(AUTHORIZE_PAGE_PATH, origin);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  const scopes = Object.keys(config.scopes ?? {});
  if (scopes.length > 0) url.searchParams.set('scope', scopes.join(' '));
  url.searchParams.set('state', state);
  return { action: { redirect: { url: url.toString() } } };
}

/** The App whose authorization-code config has this `client_id`. */
function appOfClient(state: VersoriSimState, clientId: string): App | undefined {
  return state.apps.find((a) =>
    (a.supportedAuthConfigs ?? []).some(
      (x: AppAuthConfig) =>
        x.type === 'oauth2' &&
        (x.data as AppAuthConfigOAuth2).flowType === 'authorization_code' &&
        clientIdOf(a, x.data as AppAuthConfigOAuth2) === clientId,
    ),
  );
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** The authorize page, the callback and the result page. */
export function oauthRoutes(app: SimApp, svc: OAuthService): void {
  const { state, flows } = svc;

  /** The authorize request's parameters, or a 400 page (RFC 6749 §4.1.2.1: a bad client or redirect URI is not redirected to). */
  function authorizeRequest(c: SimContext, params: Record<string, string | undefined>) {
    const clientId = params['client_id'] ?? '';
    const target = appOfClient(state, clientId);
    const expected = `${new URL(c.req.url).origin}${OAUTH2_CALLBACK_PATH}`;
    if (!target) return { problem: 'unknown client_id' } as const;
    if (params['redirect_uri'] !== expected)
      return { problem: 'redirect_uri is not the one registered' } as const;
    if (params['response_type'] !== 'code') return { problem: 'response_type must be code' } as const;
    return {
      app: target,
      clientId,
      redirectUri: expected,
      scope: params['scope'] ?? '',
      state: params['state'],
    } as const;
  }

  function refusedPage(c: SimContext, problem: string): Response {
    return page(
      c,
      400,
      'Authorization request refused',
      `<h1>Authorization request refused</h1>\n<p>${escapeHtml(problem)}.</p>`,
    );
  }

  app.get(AUTHORIZE_PAGE_PATH, (c) => {
    const req = authorizeRequest(c, c.req.query());
    if ('problem' in req) return refusedPage(c, req.problem);
    const name = escapeHtml(req.app.name);
    const hidden = (n: string, v: string | undefined) =>
      v === undefined ? '' : `<input type="hidden" name="${n}" value="${escapeHtml(v)}">`;
    const scopes = req.scope === '' ? [] : req.scope.split(' ');
    return page(
      c,
      200,
      `Authorize Switchboard — ${name}`,
      `<h1>${name}: authorize Switchboard</h1>
<p>Switchboard (client <code>${escapeHtml(req.clientId)}</code>) asks to use your ${name} account${
        scopes.length > 0
          ? ` with the scopes ${scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(', ')}`
          : ''
      }.</p>
<form method="post">
${hidden('response_type', 'code')}
${hidden('client_id', req.clientId)}
${hidden('redirect_uri', req.redirectUri)}
${hidden('scope', req.scope)}
${hidden('state', req.state)}
<button type="submit" name="decision" value="authorize">Authorize</button>
<button type="submit" name="decision" value="cancel">Cancel</button>
</form>
<p>(This page stands in for ${name}'s OAuth2 provider; it is not Versori's.)</p>`,
    );
  });

  app.post(AUTHORIZE_PAGE_PATH, async (c) => {
    const form = await c.req.parseBody();
    const field = (n: string) => (typeof form[n] === 'string' ? form[n] : undefined);
    const req = authorizeRequest(c, {
      client_id: field('client_id'),
      redirect_uri: field('redirect_uri'),
      response_type: field('response_type'),
      scope: field('scope'),
      state: field('state'),
    });
    if ('problem' in req) return refusedPage(c, req.problem);
    const decision = field('decision');
    if (decision !== 'authorize' && decision !== 'cancel') return refusedPage(c, 'no decision');
    const back = new URL(req.redirectUri);
    if (decision === 'authorize') {
      const code = opaque();
      flows.codes.set(code, {
        clientId: req.clientId,
        redirectUri: req.redirectUri,
        expiresAt: svc.now() + CODE_TTL_MS,
        used: false,
      });
      back.searchParams.set('code', code);
    } else {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'The user cancelled the authorization.');
    }
    if (req.state !== undefined) back.searchParams.set('state', req.state);
    return c.redirect(back.toString(), 303);
  });

  app.get(OAUTH2_CALLBACK_PATH, (c) => {
    const browser = /\btext\/html\b/.test(c.req.header('accept') ?? '');
    const result = (params: Record<string, string>) => {
      const url = new URL(RESULT_PAGE_PATH, new URL(c.req.url).origin);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      return c.redirect(url.toString(), 303);
    };
    const refuse = (code: string, message: string, extensions?: Record<string, string>): Response => {
      if (browser)
        return result({
          outcome: 'error',
          error: extensions?.['error'] ?? code,
          error_description: extensions?.['error_description'] ?? message,
        });
      return fail(400, {
        code,
        message,
        ...(extensions ? { extensions } : {}),
      } satisfies VersoriError);
    };
    const q = c.req.query();
    const now = svc.now();
    sweep(flows, now);

    const stateParam = q['state'];
    if (stateParam === undefined || stateParam === '') return refuse('bad_request', 'state is required');
    const grant = flows.grants.get(stateParam);
    if (!grant) return refuse('bad_request', 'state is not valid: connection-init did not issue it');
    if (grant.used) return refuse('bad_request', 'state was already used');
    // From here on the grant is over, whatever the outcome.
    grant.used = true;
    if (now >= grant.expiresAt) return refuse('bad_request', 'state has expired');

    const error = q['error'];
    if (error !== undefined && error !== '') {
      return refuse('oauth2_error', 'the OAuth2 provider answered an error instead of a code', {
        error,
        ...(q['error_description'] !== undefined ? { error_description: q['error_description'] } : {}),
      });
    }
    const codeParam = q['code'];
    if (codeParam === undefined || codeParam === '') return refuse('bad_request', 'code is required');
    const issued = flows.codes.get(codeParam);
    if (!issued) return refuse('bad_request', 'code is not valid');
    if (issued.used) return refuse('bad_request', 'code was already used');
    issued.used = true;
    if (now >= issued.expiresAt) return refuse('bad_request', 'code has expired');
    if (issued.clientId !== grant.clientId || issued.redirectUri !== grant.redirectUri)
      return refuse('bad_request', 'code was not issued for this grant');
    const target = state.apps.find((a) => a.id === grant.appId);
    const config = target && authorizationCodeConfig(target, grant.authType);
    if (!target || !config) return refuse('bad_request', `app ${grant.appId} no longer takes this grant`);

    // The code exchange at the App's token endpoint, simulated: a refresh token nobody sees.
    const tokenURL = config.tokenEndpoint ?? '';
    const conn = insertConnection(state, grant.orgId, {
      name: target.name,
      appId: target.id,
      authType: grant.authType,
      data: { clientID: grant.clientId, tokenURL, refreshToken: opaque() },
    });
    svc.persist();
    if (browser) return result({ outcome: 'connected', organisation: grant.orgId, connection: conn.id });
    const credential: Credential = {
      id: conn.credentialId,
      organisationID: grant.orgId,
      name: conn.name,
      // `clientSecret` and `refreshToken` are secret: left out, as OAuth2Refresh credentials redact
      // fields of their own (which ones, Versori does not say).
      data: { clientID: base64(grant.clientId), tokenURL: base64(tokenURL) },
      type: 'OAuth2Refresh',
    };
    return c.json(credential, 201);
  });

  app.get(RESULT_PAGE_PATH, (c) => {
    const q = c.req.query();
    if (q['outcome'] === 'connected') {
      const conn = state.organisations[q['organisation'] ?? '']?.connections[q['connection'] ?? ''];
      const appName = state.apps.find((a) => a.id === conn?.appId)?.name;
      return page(
        c,
        200,
        'Connected',
        `<h1>Connected — you can close this window</h1>
${
  conn
    ? `<p>${escapeHtml(appName ?? conn.appId)} is connected to organisation <code>${escapeHtml(conn.orgId)}</code>: connection <code>${escapeHtml(conn.id)}</code>, named “${escapeHtml(conn.name)}”.</p>`
    : '<p>(The connection is no longer there.)</p>'
}
<p>There is no link back: Switchboard's connection-init takes no return URL.</p>`,
      );
    }
    if (q['outcome'] === 'error') {
      const error = q['error'] ?? 'unknown';
      const description = q['error_description'];
      return page(
        c,
        200,
        'Not connected',
        `<h1>Not connected</h1>
<p>Error <code>${escapeHtml(error)}</code>${description ? `: ${escapeHtml(description)}` : ''}</p>
<p>Nothing was connected. You can close this window.</p>`,
      );
    }
    return page(c, 404, 'Not found', '<h1>Not found</h1>');
  });
}
