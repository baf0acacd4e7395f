import type { Logger } from 'pino';
import type { CatalogueEntry, ProviderAdapter } from '../core/adapter.js';
import type { Connection } from '../core/connection.js';
import type { ConnectionService } from '../core/connections/service.js';
import { isGatewayError, validationError } from '../core/errors.js';
import type { RequestContext } from '../core/services/context.js';
import type { ConnectSessionService, Offer } from '../core/services/connect-sessions.js';
import type { ConnectSessionRow, ConnectionLocks } from '../core/storage.js';
import { checkForm, formModel, keptValues, modelOf, type FormModel, type FormNode } from './form.js';
import { csrfToken } from './security.js';
import type { Chrome, FormView, NoticeView } from './views.js';

/**
 * What the hosted page does, between its routes (routes/) and the core's services: the chooser, a
 * kind's form, a submit (create once, test, remove on a failed test), the OAuth consent and its
 * return, a reconnect. Each step answers an Outcome the route renders; nothing here knows HTTP
 * beyond that, or a provider beyond the adapter port's capabilities.
 */

export interface ConnectPageDeps {
  sessions: ConnectSessionService;
  connections: ConnectionService;
  locks: ConnectionLocks;
  providers: ReadonlyMap<string, ProviderAdapter>;
  /** CSP `frame-ancestors` of the page. */
  frameAncestors: readonly string[];
  /** `server.publicUrl`, or null: the request's own origin. */
  publicUrl: string | null;
  logger: Logger;
}

export interface ChoiceGroup {
  label: string;
  links: Array<{ href: string; title: string; detail: string | null }>;
}

export type Outcome =
  | { type: 'redirect'; location: string }
  | { type: 'chooser'; chrome: Chrome; heading: string; intro: string; groups: ChoiceGroup[] }
  | { type: 'form'; status: 200 | 400 | 422 | 429; chrome: Chrome; view: FormView }
  | { type: 'notice'; status: NoticeStatus; chrome: Chrome | null; view: NoticeView };

export type NoticeStatus = 200 | 403 | 404 | 410 | 413 | 422 | 429 | 500 | 502;

/** Submissions a session may make in a minute (contract §10). */
export const SUBMISSIONS_PER_MINUTE = 10;

/** The page of one session, for one request. */
export class ConnectFlow {
  constructor(
    private readonly deps: ConnectPageDeps,
    private readonly session: ConnectSessionRow,
    private readonly token: string,
    private readonly requestId: string,
    /** The page's own origin (`server.publicUrl`, else the request's). */
    private readonly base: string,
  ) {}

  get ctx(): RequestContext {
    return { requestId: this.requestId, caller: this.deps.sessions.callerOf(this.session) };
  }

  get chrome(): Chrome {
    const u = this.session.end_user;
    return { endUser: u.display_name ?? u.email ?? u.id, cancelUrl: this.returnUrl({ status: 'cancelled' }) };
  }

  /** The return URL with the session's outcome in its query. */
  returnUrl(q: Record<string, string>): string {
    return withQuery(this.session.return_url, this.session.id, q);
  }

  /** `/connect`: a reconnect or a single choice goes straight to its form; else the chooser, one group per provider entry. */
  async home(): Promise<Outcome> {
    if (this.session.provider_flow) return this.providerStep();
    const offers = await this.deps.sessions.offers(this.ctx, this.session);
    const all = offers.flatMap((o) => o.entries.map((e) => ({ o, e })));
    const only = all[0];
    if (!only)
      return this.#notice(
        422,
        'Nothing to connect',
        'None of what this link allows can be connected here any more.',
        'error',
      );
    if (all.length === 1) return { type: 'redirect', location: kindPath(only.o.adapter, only.e.kind) };
    return {
      type: 'chooser',
      chrome: this.chrome,
      heading: 'Connect an account',
      intro: 'Choose what to connect.',
      groups: offers.map((o) => ({
        label: o.adapter.id,
        links: o.entries.map((e) => ({
          href: kindPath(o.adapter, e.kind),
          title: e.name,
          detail: e.connect === 'oauth' ? 'Sign in at the provider' : null,
        })),
      })),
    };
  }

  /**
   * A provider flow's page: "Continue with …" (in a new tab) to the provider's own flow, and a look
   * at the provider's connections on every view (the page reloads itself), which recognises the
   * result and completes the session; then on to `return_url`.
   */
  async providerStep(): Promise<Outcome> {
    const target = await this.deps.sessions.flowTarget(this.ctx, this.session);
    const started = this.deps.sessions.startedFlow(this.session);
    if (!target || !started)
      return this.#notice(
        422,
        'Not available',
        'This provider flow can no longer be continued here.',
        'error',
      );
    const name = target.adapter.providerFlow?.name ?? target.adapter.id;
    try {
      await this.deps.connections.walkProvider(
        this.ctx,
        this.session.organization_id,
        target.externalOrgId,
        target.adapter.id,
        100,
        async () => {},
        async () => false,
      );
    } catch (e) {
      this.deps.logger.warn(
        { err: e, connect_session: this.session.id },
        'connect page: the provider could not be read',
      );
    }
    const now = await this.deps.sessions.reload(this.session);
    if (now?.status === 'completed' && now.result_connection_id)
      return {
        type: 'redirect',
        location: this.returnUrl({ status: 'success', connection_id: now.result_connection_id }),
      };
    return {
      type: 'notice',
      status: 200,
      chrome: this.chrome,
      view: {
        heading: `Continue with ${name}`,
        message: started.url
          ? `Finish connecting in ${name} (it opens in a new tab). This page checks every few seconds and moves on when it is done.`
          : `Finish connecting in ${name} where the app shows it. This page checks every few seconds and moves on when it is done.`,
        tone: 'success',
        retry: null,
        link: started.url ? { href: started.url, label: `Continue with ${name}`, newTab: true } : null,
        refreshSeconds: 5,
      },
    };
  }

  /** A kind's form (with `variant` chosen for a union of credential types), or the variant chooser. */
  async form(providerId: string, kind: string, variant: string | null): Promise<Outcome> {
    const found = await this.#offer(providerId, kind);
    if (!found) return this.#notOffered('This link does not let you connect that.');
    const { offer, entry } = found;
    const model = this.#model(offer.adapter, entry);
    if (model.discriminator !== null && variant === null) {
      if (model.variants.length === 1 && model.variants[0])
        return this.form(providerId, kind, model.variants[0].value);
      return {
        type: 'chooser',
        chrome: this.chrome,
        heading: `Connect ${entry.name}`,
        intro: 'How do you sign in to it?',
        groups: [
          {
            label: entry.name,
            links: model.variants.map((v) => ({
              href: `${kindPath(offer.adapter, kind)}?variant=${encodeURIComponent(v.value)}`,
              title: v.label,
              detail: null,
            })),
          },
        ],
      };
    }
    const nodes = modelOf(model, variant);
    if (!nodes) return this.#notOffered('That way of signing in is not offered for this kind.');
    return this.#formOutcome(200, offer.adapter, entry, nodes, variant, new Map(), {}, null);
  }

  /** A submit of a kind's form: checked with the schema, then made once at the provider (under the session's lock). */
  async submit(providerId: string, kind: string, body: Record<string, unknown>): Promise<Outcome> {
    const found = await this.#offer(providerId, kind);
    if (!found) return this.#notOffered('This link does not let you connect that.');
    const { offer, entry } = found;
    const adapter = offer.adapter;
    const variant = typeof body['variant'] === 'string' ? body['variant'] : null;
    const model = this.#model(adapter, entry);
    const nodes = modelOf(model, variant);
    if (!nodes) return this.#notOffered('That way of signing in is not offered for this kind.');
    if (!(await this.deps.sessions.allowSubmission(this.session, SUBMISSIONS_PER_MINUTE)))
      return this.#formOutcome(
        429,
        adapter,
        entry,
        nodes,
        variant,
        new Map(),
        {},
        'Too many attempts: please wait a minute and try again.',
      );

    const schema = adapter.schemas.credentials(kind);
    let credentials: Record<string, unknown> | undefined;
    if (schema && nodes.length > 0) {
      const disc =
        model.discriminator !== null && variant !== null
          ? { key: model.discriminator, value: variant }
          : undefined;
      const checked = checkForm(schema, nodes, body, disc);
      if (!checked.ok)
        return this.#formOutcome(400, adapter, entry, nodes, variant, checked.errors, checked.kept, null);
      credentials = checked.value;
    }
    const kept = keptValues(nodes, body);
    const form = (status: 422, errors: ReadonlyMap<string, string>, notice: string) =>
      this.#formOutcome(status, adapter, entry, nodes, variant, errors, kept, notice);
    return this.deps.locks.run(`connect:${this.session.id}`, async () => {
      const now = await this.deps.sessions.reload(this.session);
      if (!now || this.deps.sessions.statusOf(now) !== 'pending') return this.#over(now);
      try {
        return this.session.connection_id !== null
          ? await this.#reconnect(adapter, entry, this.session.connection_id, credentials)
          : await this.#create(adapter, entry, credentials);
      } catch (e) {
        if (e instanceof TestFailed) return form(422, new Map(), e.message);
        if (!isGatewayError(e) || e.status >= 500) {
          this.deps.logger.warn(
            { err: e, connect_session: this.session.id },
            'connect page: the connection could not be made',
          );
          return form(
            422,
            new Map(),
            'The provider could not be reached. Nothing was saved; please try again.',
          );
        }
        // The provider's (or the schema's) answer, field by field where it names credentials.
        const fields = new Map(
          (e.errors ?? [])
            .filter((p) => p.pointer.startsWith('/credentials/'))
            .map((p) => [p.pointer.slice('/credentials/'.length).split('/').join('.'), p.message] as const),
        );
        await this.deps.sessions.recordAttempt(this.session, {
          connection_id: null,
          error: { code: e.code, message: e.message },
        });
        return form(422, fields, e.message);
      }
    });
  }

  /** The return from the provider's consent page: the connection waiting for it is read; active → done. */
  async callback(): Promise<Outcome> {
    const waiting = this.session.attempt_connection_id;
    if (waiting === null) return { type: 'redirect', location: '/connect' };
    return this.deps.locks.run(`connect:${this.session.id}`, async () => {
      const now = await this.deps.sessions.reload(this.session);
      if (!now || this.deps.sessions.statusOf(now) !== 'pending') return this.#over(now);
      const { connection } = await this.deps.connections.get(this.ctx, this.session.organization_id, waiting);
      if (connection.status === 'active') {
        if (this.session.connection_id !== null)
          await this.deps.connections.reconnect(
            this.ctx,
            this.session.organization_id,
            waiting,
            {},
            this.deps.sessions.attributionOf(this.session),
          );
        return this.#complete(connection.id);
      }
      await this.deps.sessions.recordAttempt(this.session, {
        connection_id: waiting,
        error: {
          code: 'authorization_failed',
          message: `The connection is ${connection.status}: the consent at the provider did not complete.`,
        },
      });
      return {
        type: 'notice',
        status: 422,
        chrome: this.chrome,
        view: {
          heading: 'The sign-in did not complete',
          message: `The provider did not confirm the connection (it is ${connection.status}). You can try again, or go back.`,
          tone: 'error',
          retry: { action: '/connect/retry', csrf: csrfToken(this.token), label: 'Try again' },
          link: {
            href: this.returnUrl({ status: 'error', error: 'authorization_failed' }),
            label: 'Go back',
          },
        },
      };
    });
  }

  /** "Try again" after a consent that did not complete: back to the provider's consent page. */
  async retry(): Promise<Outcome> {
    const waiting = this.session.attempt_connection_id;
    if (waiting === null) return { type: 'redirect', location: '/connect' };
    if (!(await this.deps.sessions.allowSubmission(this.session, SUBMISSIONS_PER_MINUTE)))
      return this.#notice(429, 'Too many attempts', 'Please wait a minute and try again.', 'error');
    const { connection } = await this.deps.connections.get(this.ctx, this.session.organization_id, waiting);
    const adapter = this.#adapterOf(connection.provider);
    const url = adapter?.oauth?.authorizeUrl(connection) ?? null;
    if (!url)
      return this.#notice(
        422,
        'Cannot try again',
        'The provider offers no sign-in page for this connection.',
        'error',
      );
    return { type: 'redirect', location: url };
  }

  /** The page of a session that is over (completed shows its done page). */
  static closedPage(
    session: ConnectSessionRow | undefined,
    closed: 'unknown' | 'expired' | 'revoked' | 'completed',
    returnUrl: (q: Record<string, string>) => string | null,
  ): Outcome {
    switch (closed) {
      case 'completed':
        return {
          type: 'notice',
          status: 200,
          chrome: null,
          view: {
            heading: 'Connected',
            message: 'Your account is connected. You can close this page or go back.',
            tone: 'success',
            retry: null,
            link: session?.result_connection_id
              ? {
                  href: returnUrl({ status: 'success', connection_id: session.result_connection_id }) ?? '',
                  label: 'Continue',
                }
              : null,
          },
        };
      case 'expired':
        return {
          type: 'notice',
          status: 410,
          chrome: null,
          view: {
            heading: 'This link has expired',
            message: 'Ask the app that sent you here for a new link.',
            tone: 'expired',
            retry: null,
            link: null,
          },
        };
      case 'revoked':
        return {
          type: 'notice',
          status: 410,
          chrome: null,
          view: {
            heading: 'This link is no longer valid',
            message: 'It was withdrawn. Ask the app that sent you here for a new link.',
            tone: 'expired',
            retry: null,
            link: null,
          },
        };
      case 'unknown':
        return {
          type: 'notice',
          status: 404,
          chrome: null,
          view: {
            heading: 'This link does not work',
            message:
              'It is not a connect link, or it was mistyped. Ask the app that sent you here for a new link.',
            tone: 'error',
            retry: null,
            link: null,
          },
        };
    }
  }

  // ---------- internals ----------

  async #create(
    adapter: ProviderAdapter,
    entry: CatalogueEntry,
    credentials: Record<string, unknown> | undefined,
  ): Promise<Outcome> {
    const oauth = entry.connect === 'oauth' ? adapter.oauth : undefined;
    const input: Record<string, unknown> = {
      ...(oauth
        ? oauth.createInput(entry.kind, {
            success: `${this.base}/connect/callback?result=success`,
            error: `${this.base}/connect/callback?result=error`,
          })
        : { kind: entry.kind }),
      ...(credentials && Object.keys(credentials).length > 0 ? { credentials } : {}),
      ...this.#requiredName(adapter, entry),
    };
    // The same schema as the API's create (a problem is a 400 naming the field, as there).
    const parsed = adapter.schemas.create.safeParse(input);
    if (!parsed.success)
      throw validationError(
        parsed.error.issues.map((i) => ({ pointer: `/${i.path.map(String).join('/')}`, message: i.message })),
      );
    const { connection } = await this.deps.connections.create(
      this.ctx,
      this.session.organization_id,
      { provider: adapter.id, ...(parsed.data as Record<string, unknown>) },
      this.deps.sessions.attributionOf(this.session),
    );
    if (oauth) return this.#consent(adapter, connection);
    return this.#tested(adapter, connection, true);
  }

  async #reconnect(
    adapter: ProviderAdapter,
    entry: CatalogueEntry,
    id: string,
    credentials: Record<string, unknown> | undefined,
  ): Promise<Outcome> {
    const attribution = this.deps.sessions.attributionOf(this.session);
    if (entry.connect === 'oauth') {
      const { connection } = await this.deps.connections.get(this.ctx, this.session.organization_id, id);
      return this.#consent(adapter, connection);
    }
    const { connection } = await this.deps.connections.reconnect(
      this.ctx,
      this.session.organization_id,
      id,
      credentials ? { credentials } : {},
      attribution,
    );
    return this.#tested(adapter, connection, false);
  }

  /** Sends the end user to the provider's consent page for `connection` (or completes, when it needs none). */
  async #consent(adapter: ProviderAdapter, connection: Connection): Promise<Outcome> {
    const url = adapter.oauth?.authorizeUrl(connection) ?? null;
    if (url === null) {
      if (connection.status === 'active') return this.#complete(connection.id);
      return this.#notice(502, 'The provider gave no sign-in page', 'Please try again later.', 'error');
    }
    await this.deps.sessions.recordAttempt(this.session, { connection_id: connection.id, error: null });
    return { type: 'redirect', location: url };
  }

  /** The credential test where the provider has one; a failed test removes a connection just made and says why. */
  async #tested(adapter: ProviderAdapter, connection: Connection, made: boolean): Promise<Outcome> {
    if (adapter.capabilities.supportsTest) {
      let result: { ok: boolean; detail: string | null };
      try {
        result = await this.deps.connections.test(this.ctx, this.session.organization_id, connection.id);
      } catch (e) {
        result = {
          ok: false,
          detail: isGatewayError(e) ? e.message : 'The credential test could not be run.',
        };
      }
      if (!result.ok) {
        let message = `${adapter.id} did not accept these credentials: ${result.detail ?? 'no reason given'}.`;
        if (made) {
          try {
            await this.deps.connections.delete(this.ctx, this.session.organization_id, connection.id, {});
          } catch (e) {
            // The provider refused the delete: the connection stays listed (never hidden), and the end user is told.
            this.deps.logger.warn(
              { err: e, connect_session: this.session.id, connection_id: connection.id },
              'connect page: a connection whose credential test failed could not be removed',
            );
            message += ' The connection could not be removed at the provider and is still listed.';
          }
        }
        await this.deps.sessions.recordAttempt(this.session, {
          connection_id: null,
          error: { code: 'credentials_rejected', message },
        });
        throw new TestFailed(message);
      }
    }
    return this.#complete(connection.id);
  }

  async #complete(connectionId: string): Promise<Outcome> {
    await this.deps.sessions.complete(this.ctx, this.session, connectionId);
    return { type: 'redirect', location: this.returnUrl({ status: 'success', connection_id: connectionId }) };
  }

  /** A name where the provider's create needs one: the kind's and the end user's. */
  #requiredName(adapter: ProviderAdapter, entry: CatalogueEntry): { name?: string } {
    const name = adapter.schemas.create.shape['name'];
    if (!name || name.safeParse(undefined).success) return {};
    const u = this.session.end_user;
    return { name: `${entry.name} (${u.display_name ?? u.email ?? u.id})` };
  }

  #over(now: ConnectSessionRow | null): Outcome {
    if (!now) return ConnectFlow.closedPage(undefined, 'unknown', () => null);
    const status = this.deps.sessions.statusOf(now);
    if (status === 'completed' && now.result_connection_id)
      return {
        type: 'redirect',
        location: this.returnUrl({ status: 'success', connection_id: now.result_connection_id }),
      };
    return ConnectFlow.closedPage(now, status === 'pending' ? 'unknown' : status, (q) => this.returnUrl(q));
  }

  async #offer(providerId: string, kind: string): Promise<{ offer: Offer; entry: CatalogueEntry } | null> {
    // A provider flow's session has no forms: its page is the provider step.
    if (this.session.provider_flow) return null;
    const offers = await this.deps.sessions.offers(this.ctx, this.session);
    const offer = offers.find((o) => o.adapter.id === providerId);
    const entry = offer?.entries.find((e) => e.kind === kind);
    return offer && entry ? { offer, entry } : null;
  }

  #adapterOf(providerId: string): ProviderAdapter | undefined {
    return this.deps.providers.get(providerId);
  }

  /**
   * The form of a kind. An OAuth kind whose credentials have no declared fields (any object, which
   * the form model makes one JSON field) asks for nothing: the consent at the provider is the form.
   */
  #model(adapter: ProviderAdapter, entry: CatalogueEntry): FormModel {
    const schema = adapter.schemas.credentials(entry.kind);
    if (!schema) return { nodes: [], discriminator: null, variants: [] };
    const model = formModel(schema, entry.credentialTypes ? { variants: entry.credentialTypes } : undefined);
    if (entry.connect !== 'oauth') return model;
    return { ...model, nodes: model.nodes.filter((n) => n.path.length > 0) };
  }

  #formOutcome(
    status: 200 | 400 | 422 | 429,
    adapter: ProviderAdapter,
    entry: CatalogueEntry,
    nodes: FormNode[],
    variant: string | null,
    errors: ReadonlyMap<string, string>,
    kept: Record<string, string>,
    notice: string | null,
  ): Outcome {
    const oauth = entry.connect === 'oauth';
    const reconnect = this.session.connection_id !== null;
    return {
      type: 'form',
      status,
      chrome: this.chrome,
      view: {
        heading: `${reconnect ? 'Reconnect' : 'Connect'} ${entry.name}`,
        intro: oauth
          ? `You will be sent to ${entry.name} to sign in and approve access${nodes.length > 0 ? ' after these details' : ''}.`
          : reconnect
            ? 'Enter the new credentials. The connection keeps its settings and identity.'
            : 'Enter the credentials to connect. They are sent to the provider and stored encrypted; this page never shows them again.',
        action: kindPath(adapter, entry.kind),
        csrf: csrfToken(this.token),
        nodes,
        hidden: variant !== null ? { variant } : {},
        errors,
        kept,
        notice,
        submitLabel: oauth ? `Continue to ${entry.name}` : reconnect ? 'Save and test' : 'Connect',
        busyLabel: oauth ? 'Opening…' : 'Connecting…',
        backHref: this.session.connection_id === null ? '/connect' : null,
      },
    };
  }

  #notOffered(message: string): Outcome {
    return this.#notice(404, 'Not available', message, 'error');
  }

  #notice(
    status: 404 | 410 | 422 | 429 | 502,
    heading: string,
    message: string,
    tone: NoticeView['tone'],
  ): Outcome {
    return {
      type: 'notice',
      status,
      chrome: this.chrome,
      view: { heading, message, tone, link: null, retry: null },
    };
  }
}

/** A failed credential test: the form is shown again with the provider's message. */
export class TestFailed extends Error {}

/** `return_url` with `connect_session` and the outcome in its query (what else it has kept). */
export function withQuery(returnUrl: string, sessionId: string, q: Record<string, string>): string {
  const url = new URL(returnUrl);
  url.searchParams.set('connect_session', sessionId);
  for (const [k, v] of Object.entries(q)) url.searchParams.set(k, v);
  return url.toString();
}

export function kindPath(adapter: ProviderAdapter, kind: string): string {
  return `/connect/kinds/${encodeURIComponent(adapter.id)}/${encodeURIComponent(kind)}`;
}
