import { z } from 'zod';
import { SimulatorError } from '../../../simulator/errors.js';
import type { SimApp, SimContext } from '../../../simulator/server.js';
import type { LeenValidationIssue } from '../api-types.js';
import {
  DOCUMENTED_CREDENTIALS,
  isLeenVendor,
  isOAuth2Vendor,
  LEEN_VENDORS,
  type LeenVendor,
} from '../catalog.js';
import { LEEN_VENDOR_NAMES } from '../vendor-names.js';
import { assumptions, escapeHtml, page } from './html.js';
import type { LeenSimState, SimConnection, SimInviteToken } from './state.js';
import { INVALID_TOKEN, TOKEN_ASSUMPTIONS, usableToken } from './tokens.js';

/**
 * A stand-in for Leen's OnRamp (`@leendev/onramp`): a React component the caller embeds, which
 * loads its UI from Leen and calls Leen's API with the invite token only. This page does what the
 * component is documented (or shown by Leen's demo) to do, server-rendered and without external
 * assets: `GET /onramp?token=…` shows the token's vendor (or a vendor choice when the token has
 * none) and a credential form; its Connect button posts to this simulator, which makes exactly the
 * Create Connection call with the token (so the credentials go only to the simulated Leen), then
 * shows "Connected", or for an OAuth2 vendor sends the browser to the connection's authorize URL.
 * What it assumes where Leen is silent is on the page (ONRAMP_ASSUMPTIONS) and in
 * docs/providers/leen.md §10.
 *
 * Stable texts (browser tests rely on them): buttons "Continue" (vendor choice), "Connect" (a create
 * token), "Update" (an update token); the select "Vendor"; a documented field's label is its title
 * in catalog.ts ("Client key", "Secret key"); the JSON box "Credentials (JSON)"; headings
 * "Connected", "Connection updated", and the refusal "Invalid or expired connection invite token".
 */

export interface OnRampDeps {
  state: LeenSimState;
  /**
   * Create Connection with `grant`'s token and body `raw`, as `POST …/connections` with
   * X-CONNECTION-INVITE-TOKEN: throws its error answers (SimulatorError) as that call would.
   */
  connect(grant: SimInviteToken, raw: Record<string, unknown>): { conn: SimConnection; created: boolean };
  authorizeUrl(c: SimContext, conn: SimConnection): string | null;
}

const ONRAMP_ASSUMPTIONS = assumptions([
  "This page stands in for Leen's OnRamp component, whose own screens, texts and steps Leen does not document. It shows the credential fields Leen documents for the vendor (the integration pages), else a JSON box.",
  'Connect makes exactly the Create Connection call with the token (for an update token, the update that call makes); its errors are shown here (the 422 items by location and message, never a value sent) and the form comes back empty.',
  "For an OAuth2 vendor the browser is then sent (303) to the connection's <code>oauth2_authorize_url</code>; Leen does not say whether OnRamp opens it itself, in a tab or a popup, nor what the component reports before consent.",
  "Nothing tells the caller's back end: Leen documents no webhook. A caller finds the connection by the token's <code>identifier</code> in its next list.",
  ...TOKEN_ASSUMPTIONS,
]);

const HEADERS = { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } as const;

/** One input of a credential form. */
interface Field {
  /** The form field's name: `credentials.<key>[.<key>]`. */
  name: string;
  label: string;
  description: string | null;
  secret: boolean;
  required: boolean;
  /** The object it belongs to, when nested (AWS's `aws`). */
  group: string | null;
}

interface JsonSchemaNode {
  type?: string;
  title?: string;
  description?: string;
  writeOnly?: boolean;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
}

/** The fields of a documented credential shape (its JSON Schema from the zod schema the API checks). */
function fieldsOf(vendor: LeenVendor): Field[] | null {
  const documented = DOCUMENTED_CREDENTIALS[vendor];
  if (!documented) return null;
  const root = z.toJSONSchema(documented.schema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const walk = (node: JsonSchemaNode, path: string[], group: string | null): Field[] =>
    Object.entries(node.properties ?? {}).flatMap(([key, child]) =>
      child.type === 'object' && child.properties
        ? walk(child, [...path, key], child.title ?? key)
        : [
            {
              name: [...path, key].join('.'),
              label: child.title ?? key,
              description: child.description ?? null,
              secret: child.writeOnly === true,
              required: (node.required ?? []).includes(key),
              group,
            },
          ],
    );
  return walk(root, ['credentials'], null);
}

function vendorName(vendor: LeenVendor): string {
  return `${escapeHtml(LEEN_VENDOR_NAMES[vendor])} (<code>${vendor}</code>)`;
}

function onrampPage(body: string): string {
  return page(
    'Leen OnRamp (simulator)',
    `<main>\n<p>Leen OnRamp (simulator)</p>\n${body}\n</main>\n${ONRAMP_ASSUMPTIONS}`,
  );
}

function errorList(problems: readonly string[]): string {
  if (problems.length === 0) return '';
  return `<div role="alert"><p>The connection was not made:</p><ul>${problems
    .map((p) => `<li>${escapeHtml(p)}</li>`)
    .join('')}</ul></div>`;
}

/** What an error answer says, for the page: `detail` text, or each 422 item's location and message (never its `input`). */
function problemsOf(body: object): string[] {
  const detail = (body as { detail?: unknown }).detail;
  if (typeof detail === 'string') return [detail];
  if (!Array.isArray(detail)) return ['The call failed'];
  return (detail as LeenValidationIssue[]).map((d) => `${d.loc.join('.')}: ${d.msg}`);
}

function credentialInputs(vendor: LeenVendor): string {
  const fields = fieldsOf(vendor);
  if (fields === null) {
    const hint = isOAuth2Vendor(vendor)
      ? 'Optional for this vendor: leave it empty to authorize at the vendor after Connect.'
      : 'Leen does not publish the credential fields of this vendor: give them as a JSON object.';
    return `<p><label for="credentials_json">Credentials (JSON)</label><br>
<textarea id="credentials_json" name="credentials_json" rows="6" cols="60" autocomplete="off" spellcheck="false" aria-describedby="credentials_json-hint"></textarea><br>
<small id="credentials_json-hint">${hint}</small></p>`;
  }
  let html = '';
  let group: string | null = null;
  fields.forEach((f, i) => {
    if (f.group !== group) {
      if (group !== null) html += '</fieldset>\n';
      if (f.group !== null) html += `<fieldset><legend>${escapeHtml(f.group)}</legend>\n`;
      group = f.group;
    }
    const id = `field-${i}`;
    const described = f.description === null ? '' : ` aria-describedby="${id}-hint"`;
    html += `<p><label for="${id}">${escapeHtml(f.label)}</label>${f.required ? ' <small>(required)</small>' : ''}<br>
<input id="${id}" name="${escapeHtml(f.name)}" type="${f.secret ? 'password' : 'text'}" autocomplete="off"${described}>${
      f.description === null ? '' : `<br><small id="${id}-hint">${escapeHtml(f.description)}</small>`
    }</p>\n`;
  });
  if (group !== null) html += '</fieldset>\n';
  return html;
}

/** The credential form of a token for `vendor` (`update`: an update token's connection). */
function credentialForm(
  token: string,
  vendor: LeenVendor,
  opts: { update: boolean; chosen: boolean; problems: readonly string[] },
): string {
  const what = opts.update
    ? `<h1>Update your ${vendorName(vendor)} connection</h1>\n<p>Enter new credentials for this connection.</p>`
    : `<h1>Connect ${vendorName(vendor)}</h1>`;
  const oauth = isOAuth2Vendor(vendor)
    ? '<p>After Connect you are sent to the vendor to authorize Leen.</p>'
    : '';
  const back = opts.chosen
    ? `<p><a href="/onramp?token=${encodeURIComponent(token)}">Choose another vendor</a></p>`
    : '';
  return onrampPage(`${what}
${errorList(opts.problems)}
${oauth}
<form method="post" action="/onramp">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<input type="hidden" name="vendor" value="${vendor}">
${credentialInputs(vendor)}
<button type="submit">${opts.update ? 'Update' : 'Connect'}</button>
</form>
${back}`);
}

function vendorChoice(token: string, problems: readonly string[]): string {
  const options = [...LEEN_VENDORS]
    .sort((a, b) => LEEN_VENDOR_NAMES[a].localeCompare(LEEN_VENDOR_NAMES[b], 'en'))
    .map((v) => `<option value="${v}">${escapeHtml(LEEN_VENDOR_NAMES[v])}</option>`)
    .join('\n');
  return onrampPage(`<h1>Connect a vendor</h1>
${errorList(problems)}
<form method="get" action="/onramp">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<p><label for="vendor">Vendor</label><br><select id="vendor" name="vendor">
${options}
</select></p>
<button type="submit">Continue</button>
</form>`);
}

function refusal(c: SimContext, status: 401 | 403 | 404, problems: readonly string[]) {
  const heading = status === 401 ? INVALID_TOKEN : 'The connection was not made';
  return c.html(
    onrampPage(`<h1>${escapeHtml(heading)}</h1>\n${status === 401 ? '' : errorList(problems)}`),
    status,
    HEADERS,
  );
}

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A form's credentials: the documented fields filled in (nested by their dotted names), or the JSON box parsed. */
function credentialsFrom(
  form: Record<string, unknown>,
): { credentials: unknown } | { credentials?: undefined } | { problem: string } {
  const json = form['credentials_json'];
  if (typeof json === 'string') {
    if (json.trim() === '') return {};
    try {
      return { credentials: JSON.parse(json) as unknown };
    } catch {
      return { problem: 'Credentials (JSON): not valid JSON' };
    }
  }
  const credentials: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(form)) {
    if (!name.startsWith('credentials.') || typeof value !== 'string' || value === '') continue;
    const path = name.split('.').slice(1);
    // Only the form's own field names nest; nothing reaches an object's prototype.
    if (path.some((key) => key === '' || UNSAFE_KEYS.has(key))) continue;
    let at = credentials;
    path.slice(0, -1).forEach((key) => {
      const next = Object.hasOwn(at, key) ? at[key] : undefined;
      at = (next !== null && typeof next === 'object' ? next : (at[key] = {})) as Record<string, unknown>;
    });
    at[path.at(-1) ?? ''] = value;
  }
  return Object.keys(credentials).length > 0 ? { credentials } : {};
}

/** The simulated OnRamp: `GET /onramp?token=…[&vendor=…]`, `POST /onramp`. */
export function onrampRoutes(app: SimApp, deps: OnRampDeps): void {
  const { state } = deps;

  /** The token's vendor: its own, its connection's (an update token; null when that connection is gone), or null (any). */
  const vendorOf = (grant: SimInviteToken): { vendor: LeenVendor | null; gone: boolean } => {
    if (grant.connection_id === null) return { vendor: grant.vendor, gone: false };
    const conn = state.connections.find(
      (x) =>
        x.id === grant.connection_id && x.organization_id === grant.organization_id && x.state !== 'DELETED',
    );
    return conn ? { vendor: conn.vendor, gone: false } : { vendor: null, gone: true };
  };

  /** The token named, if it is usable (for its own organization), else null. */
  const grantFor = (token: string): SimInviteToken | null => {
    try {
      return usableToken(state, token);
    } catch (e) {
      if (e instanceof SimulatorError) return null;
      throw e;
    }
  };

  app.get('/onramp', (c) => {
    const token = c.req.query('token') ?? '';
    const grant = token === '' ? null : grantFor(token);
    if (grant === null) return refusal(c, 401, []);
    const { vendor, gone } = vendorOf(grant);
    if (gone) return refusal(c, 404, ['Connection not found']);
    if (vendor !== null)
      return c.html(
        credentialForm(token, vendor, { update: grant.connection_id !== null, chosen: false, problems: [] }),
        200,
        HEADERS,
      );
    const chosen = c.req.query('vendor');
    if (chosen === undefined) return c.html(vendorChoice(token, []), 200, HEADERS);
    if (!isLeenVendor(chosen))
      return c.html(vendorChoice(token, ['Choose one of the vendors listed']), 200, HEADERS);
    return c.html(credentialForm(token, chosen, { update: false, chosen: true, problems: [] }), 200, HEADERS);
  });

  app.post('/onramp', async (c) => {
    const form = (await c.req.parseBody()) as Record<string, unknown>;
    const token = typeof form['token'] === 'string' ? form['token'] : '';
    const grant = token === '' ? null : grantFor(token);
    if (grant === null) return refusal(c, 401, []);
    const { vendor: own, gone } = vendorOf(grant);
    if (gone) return refusal(c, 404, ['Connection not found']);
    const sent = typeof form['vendor'] === 'string' ? form['vendor'] : '';
    // The vendor is the token's (or its connection's); a token for any vendor takes the one chosen.
    const vendor = own ?? sent;
    const update = grant.connection_id !== null;
    const again = (problems: string[], status: 403 | 422) =>
      isLeenVendor(vendor)
        ? c.html(credentialForm(token, vendor, { update, chosen: own === null, problems }), status, HEADERS)
        : c.html(vendorChoice(token, problems), status, HEADERS);
    const read = credentialsFrom(form);
    if ('problem' in read) return again([read.problem], 422);
    try {
      const body: Record<string, unknown> = { vendor };
      if (read.credentials !== undefined) body['credentials'] = read.credentials;
      const { conn, created } = deps.connect(grant, body);
      const authorize = deps.authorizeUrl(c, conn);
      if (authorize !== null) {
        for (const [k, v] of Object.entries(HEADERS)) c.header(k, v);
        return c.redirect(authorize, 303);
      }
      return c.html(
        onrampPage(`<h1>${created ? 'Connected' : 'Connection updated'}</h1>
<p>${vendorName(conn.vendor)} is ${created ? 'connected' : 'updated'}. You can close this page.</p>
<dl>
<dt>Connection ID</dt><dd><code>${escapeHtml(conn.id)}</code></dd>
<dt>Identifier</dt><dd>${conn.identifier === null ? '(none)' : `<code>${escapeHtml(conn.identifier)}</code>`}</dd>
<dt>State</dt><dd><code>${conn.state}</code></dd>
</dl>`),
        200,
        HEADERS,
      );
    } catch (e) {
      if (!(e instanceof SimulatorError)) throw e;
      const problems = problemsOf(e.body);
      if (e.status === 401 || e.status === 404) return refusal(c, e.status, problems);
      return again(problems, e.status === 403 ? 403 : 422);
    }
  });
}
