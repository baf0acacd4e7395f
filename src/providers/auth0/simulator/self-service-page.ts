import { fingerprint } from '../../../simulator/fingerprint.js';
import { randomId } from '../../../simulator/ids.js';
import type { SimApp, SimContext } from '../../../simulator/server.js';
import {
  SELF_SERVICE_STRATEGIES,
  type Auth0SelfServiceStrategy,
  type Auth0TenantConnection,
} from '../api-types.js';
import {
  attach,
  findOrganization,
  findSelfServiceProfile,
  organizationConnections,
  type Auth0SimState,
  type SelfServiceProfile,
  type StoredSsoTicket,
} from './state.js';
import { escapeHtml } from '../../../simulator/html.js';

/**
 * The simulator's stand-in for Auth0's self-service setup assistant (docs/providers/auth0.md §10):
 * what the ticket URL opens. The customer's IT admin picks an identity provider among the
 * profile's `allowed_strategies`, fills in a few fields and clicks "Create connection"; the
 * simulator then creates the tenant connection named `connection_config.name` and enables it for
 * the ticket's clients and organizations, as Auth0 documents the outcome. The steps in between are
 * not documented; what this page assumes is shown on it (ASSUMPTIONS) and listed in the docs.
 * Server-rendered HTML, no external assets, no script.
 */

export const TICKET_PATH = '/self-service/connections-flow';

/** After its first opening a ticket's session lasts 5 hours (not configurable). */
export const ADMIN_SESSION_MS = 5 * 3600 * 1000;
/** A ticket URL can be opened at most 10 times. */
export const MAX_OPENS = 10;

/** The IdPs' names for people, as Auth0's docs list the supported IdPs. */
const STRATEGY_NAMES: Record<Auth0SelfServiceStrategy, string> = {
  oidc: 'OpenID Connect',
  samlp: 'SAML',
  waad: 'Microsoft Entra ID',
  'google-apps': 'Google Workspace',
  adfs: 'Microsoft ADFS',
  okta: 'Okta Workforce Identity',
  'auth0-samlp': 'Auth0 (SAML)',
  'okta-samlp': 'Okta (SAML)',
  'keycloak-samlp': 'Keycloak (SAML)',
  pingfederate: 'PingFederate',
};

/** The IdPs this page configures with SAML fields (sign-in URL, certificate); the others take OIDC-style ones. */
const SAML_STRATEGIES: ReadonlySet<string> = new Set([
  'samlp',
  'adfs',
  'auth0-samlp',
  'okta-samlp',
  'keycloak-samlp',
  'pingfederate',
]);

/** The fields of "Configure Connection": form name, label, the connection option it goes to (null: not kept). */
interface Field {
  name: string;
  label: string;
  option: string | null;
  multiline?: boolean;
  secret?: boolean;
}
const SAML_FIELDS: readonly Field[] = [
  { name: 'sign_in_url', label: 'Sign-in URL', option: 'signInEndpoint' },
  { name: 'certificate', label: 'SAML certificate', option: null, multiline: true },
];
const OIDC_FIELDS: readonly Field[] = [
  { name: 'domain', label: 'Domain', option: 'domain' },
  { name: 'client_id', label: 'Client ID', option: 'client_id' },
  { name: 'client_secret', label: 'Client secret', option: null, secret: true },
];

const DEFAULT_INTRODUCTION = 'You are a few simple steps away from setting up SSO.';

/**
 * What this page assumes where Auth0's documents are silent, shown on every page of it so nobody
 * mistakes it for Auth0's assistant.
 */
const ASSUMPTIONS = `<section aria-labelledby="sim-assumptions">
<h2 id="sim-assumptions">Simulator assumptions</h2>
<p>Auth0 does not document these; this simulator assumes:</p>
<ul>
<li>Auth0's assistant has more steps (Create Application, Claims Mapping, Assign Access, Test SSO,
provisioning, domain verification). Here there are two: <em>Select Identity Provider</em>, then
<em>Configure Connection</em> (with the profile's user attributes to map), ending with
<em>Create connection</em>.</li>
<li>The fields per identity provider are this simulator's own: Sign-in URL and SAML certificate for
the SAML-based ones, Domain, Client ID and Client secret for the others. None is required and
nothing entered is checked. The client secret, the certificate and the claims mapping are not kept;
the sign-in URL, domain and client ID go into the connection's <code>options</code>
(<code>signInEndpoint</code>, <code>domain</code>, <code>client_id</code>).</li>
<li>One ticket creates one connection: named <code>connection_config.name</code>, with the strategy
chosen here, enabled for the ticket's <code>enabled_clients</code> and, with their
<code>assign_membership_on_login</code> and <code>show_as_button</code>, for each of its
<code>enabled_organizations</code> that exists (the others are skipped). It is created and enabled in
one step (no domain verification). The ticket is then used; opening it again says so.</li>
<li>When a tenant connection of that name already exists, no connection is created and this page
says so (Auth0 does not document whether or when it checks).</li>
<li>Only opening the link (GET) counts towards the 10 openings; the form posts do not. The link is
valid for <code>ttl_sec</code> until it is first opened, then for 5 hours (both documented).</li>
<li>A revoked or used ticket, or one whose self-service profile was deleted, no longer opens, and a
form posted from an earlier opening is refused. These pages' wording and statuses (404 for an unknown
link, 410 for a revoked, expired or used one) are this simulator's.</li>
<li>Edit tickets (with <code>connection_id</code>) are accepted and can be revoked, but this page does
not run their flow. A ticket with neither <code>connection_id</code> nor
<code>connection_config</code> creates nothing.</li>
<li>The introduction is the profile's custom text <code>introduction</code> (en, get-started), shown as
plain text.</li>
<li>The assistant is not rate limited here, writes no tenant log entries (<code>ss_sso_success</code>
…) and notifies nobody. Tickets are kept only as fingerprints: after a restart of the simulator,
earlier ticket links no longer open.</li>
</ul>
</section>`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<body>
${body}
${ASSUMPTIONS}
</body></html>`;
}

type Problem = { status: 404 | 409 | 410 | 400; title: string; message: string };
type Found = { ticket: StoredSsoTicket; profile: SelfServiceProfile };

export interface AssistantTenant {
  state: Auth0SimState;
  now: () => number;
}

export function selfServicePage(app: SimApp, { state, now }: AssistantTenant): void {
  const problemPage = (c: SimContext, p: Problem): Response =>
    c.html(page(p.title, `<h1>${escapeHtml(p.title)}</h1>\n<p>${escapeHtml(p.message)}</p>`), p.status);

  /** The ticket `id` names, when it may still be used; `opening` counts an opening of the link. */
  function usable(id: string | undefined, opening: boolean): Found | Problem {
    const ticket = id ? state.ssoTickets[fingerprint(id)] : undefined;
    if (!ticket) return { status: 404, title: 'Invalid link', message: 'This setup link is not valid.' };
    if (ticket.revoked)
      return { status: 410, title: 'Link revoked', message: 'This setup link has been revoked.' };
    if (ticket.created_connection_id !== undefined)
      return {
        status: 410,
        title: 'Link already used',
        message: 'This setup link has already been used: its connection was created.',
      };
    const profile = findSelfServiceProfile(state, ticket.profile_id);
    if (!profile)
      return {
        status: 410,
        title: 'Link no longer valid',
        message: 'The self-service profile of this setup link no longer exists.',
      };
    const at = now();
    if (ticket.opened_at === undefined ? at >= ticket.expires_at : at >= ticket.opened_at + ADMIN_SESSION_MS)
      return { status: 410, title: 'Link expired', message: 'This setup link has expired.' };
    if (opening && ticket.opens >= MAX_OPENS)
      return { status: 410, title: 'Link expired', message: 'This setup link was opened too many times.' };
    if (opening) ticket.opens += 1;
    ticket.opened_at ??= at;
    return { ticket, profile };
  }

  const strategiesOf = (profile: SelfServiceProfile): readonly Auth0SelfServiceStrategy[] =>
    // Without allowed_strategies "all are passed by default" (the guide).
    profile.allowed_strategies ?? SELF_SERVICE_STRATEGIES;

  /** What a ticket this page cannot run shows instead of the assistant. */
  function unsupported(ticket: StoredSsoTicket): Problem | null {
    if (ticket.connection_id !== undefined)
      return {
        status: 400,
        title: 'Edit connection',
        message: `This ticket lets you edit the existing connection ${ticket.connection_id}; this simulator does not run the edit flow.`,
      };
    if (!ticket.connection_config)
      return {
        status: 400,
        title: 'Nothing to set up',
        message: 'This ticket names no connection to create (no connection_config).',
      };
    return null;
  }

  function selectStep(found: Found): string {
    const { ticket, profile } = found;
    const intro = state.customTexts[`${profile.id}/en/get-started`]?.['introduction'] ?? DEFAULT_INTRODUCTION;
    const options = strategiesOf(profile)
      .map(
        (s) =>
          `<label><input type="radio" name="strategy" value="${escapeHtml(s)}" required> ${escapeHtml(STRATEGY_NAMES[s])}</label><br>`,
      )
      .join('\n');
    return page(
      'Set up single sign-on',
      `<h1>Set up single sign-on</h1>
<p>${escapeHtml(intro)}</p>
<p>Connection: <code>${escapeHtml(ticket.connection_config?.name ?? '')}</code> (${escapeHtml(profile.name)})</p>
<form method="post"><input type="hidden" name="step" value="configure">
<fieldset><legend>Select Identity Provider</legend>
${options}
</fieldset>
<button type="submit">Continue</button></form>`,
    );
  }

  function configureStep(found: Found, strategy: Auth0SelfServiceStrategy): string {
    const fields = (SAML_STRATEGIES.has(strategy) ? SAML_FIELDS : OIDC_FIELDS)
      .map((f) => {
        const input = f.multiline
          ? `<textarea id="f-${f.name}" name="${f.name}"></textarea>`
          : `<input id="f-${f.name}" name="${f.name}" type="${f.secret ? 'password' : 'text'}">`;
        return `<p><label for="f-${f.name}">${escapeHtml(f.label)}</label> ${input}</p>`;
      })
      .join('\n');
    const attributes = (found.profile.user_attributes ?? [])
      .map(
        (a, i) =>
          `<p><label for="a-${i}">Claim for ${escapeHtml(a.name)}</label> <input id="a-${i}" name="claim_${i}" type="text" value="${escapeHtml(a.name)}"> <small>${escapeHtml(a.description)}</small></p>`,
      )
      .join('\n');
    return page(
      'Configure Connection',
      `<h1>Configure Connection</h1>
<p>Identity provider: ${escapeHtml(STRATEGY_NAMES[strategy])}</p>
<form method="post"><input type="hidden" name="step" value="create">
<input type="hidden" name="strategy" value="${escapeHtml(strategy)}">
${fields}
${attributes === '' ? '' : `<fieldset><legend>Claims Mapping</legend>\n${attributes}\n</fieldset>`}
<button type="submit">Create connection</button></form>`,
    );
  }

  /** Creates the ticket's connection and enables it: for its clients, and for each organization that exists. */
  function complete(
    found: Found,
    strategy: Auth0SelfServiceStrategy,
    form: Record<string, unknown>,
  ): Problem | { connection: Auth0TenantConnection; enabled: string[]; skipped: string[] } {
    const { ticket } = found;
    const config = ticket.connection_config as NonNullable<StoredSsoTicket['connection_config']>;
    if (state.connections.some((k) => k.name === config.name))
      return {
        status: 409,
        title: 'Connection not created',
        message: `A connection named ${config.name} already exists in this tenant.`,
      };
    const options: Record<string, unknown> = { ...config.options };
    for (const f of SAML_STRATEGIES.has(strategy) ? SAML_FIELDS : OIDC_FIELDS) {
      const value = form[f.name];
      if (f.option !== null && typeof value === 'string' && value !== '') options[f.option] = value;
    }
    const metadata = Object.entries(config.metadata ?? {}).filter(
      (e): e is [string, string] => typeof e[1] === 'string',
    );
    const connection: Auth0TenantConnection = {
      id: randomId('con_'),
      name: config.name,
      strategy,
      display_name: config.display_name ?? config.name,
      is_domain_connection: config.is_domain_connection ?? false,
      realms: [config.name],
      enabled_clients: [...ticket.enabled_clients],
      ...(metadata.length > 0 ? { metadata: Object.fromEntries(metadata) } : {}),
      ...(config.show_as_button !== undefined ? { show_as_button: config.show_as_button } : {}),
      options,
    };
    state.connections.push(connection);
    const enabled: string[] = [];
    const skipped: string[] = [];
    for (const org of ticket.enabled_organizations) {
      if (!findOrganization(state, org.organization_id)) {
        skipped.push(org.organization_id);
        continue;
      }
      const { organization_id: _id, ...settings } = org;
      organizationConnections(state, org.organization_id).push(
        attach({ connection_id: connection.id, ...settings }),
      );
      enabled.push(org.organization_id);
    }
    ticket.created_connection_id = connection.id;
    return { connection, enabled, skipped };
  }

  app.get(TICKET_PATH, (c) => {
    const found = usable(c.req.query('ticket'), true);
    if ('status' in found) return problemPage(c, found);
    const other = unsupported(found.ticket);
    if (other) return problemPage(c, other);
    return c.html(selectStep(found));
  });

  app.post(TICKET_PATH, async (c) => {
    const form = await c.req.parseBody();
    const found = usable(c.req.query('ticket'), false);
    if ('status' in found) return problemPage(c, found);
    const other = unsupported(found.ticket);
    if (other) return problemPage(c, other);
    const strategy = strategiesOf(found.profile).find((s) => s === form['strategy']);
    // Auth0 offers only the profile's strategies: anything else (or none) goes back to the choice.
    if (strategy === undefined) return c.html(selectStep(found), 400);
    if (form['step'] !== 'create') return c.html(configureStep(found, strategy));
    const done = complete(found, strategy, form);
    if ('status' in done) return problemPage(c, done);
    const orgs = done.enabled.map((o) => `<li><code>${escapeHtml(o)}</code></li>`).join('\n');
    const skipped =
      done.skipped.length === 0
        ? ''
        : `<p>Organizations not found, skipped: ${done.skipped.map((o) => `<code>${escapeHtml(o)}</code>`).join(', ')}</p>`;
    return c.html(
      page(
        'Connection created',
        `<h1>Connection created</h1>
<p>The ${escapeHtml(STRATEGY_NAMES[strategy])} connection <code>${escapeHtml(done.connection.name)}</code> is set up. You can close this tab.</p>
${orgs === '' ? '<p>It is enabled for no organization.</p>' : `<p>It is enabled for:</p>\n<ul>\n${orgs}\n</ul>`}
${skipped}`,
      ),
    );
  });
}
