import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ConnectFlow, withQuery, type ConnectPageDeps, type NoticeStatus, type Outcome } from './flow.js';
import type { Closed } from '../core/services/connect-sessions.js';
import type { ConnectSessionRow } from '../core/storage.js';
import { pageHeaders, sessionToken } from './security.js';
import { chooserPage, formPage, noticePage } from './views.js';
import assets from './routes/assets.js';
import callback from './routes/callback.js';
import form from './routes/form.js';
import home from './routes/home.js';
import open from './routes/open.js';
import retry from './routes/retry.js';
import submit from './routes/submit.js';

/**
 * The hosted connect page (contract §10) as a Hono app of its own, mounted by the gateway at
 * `/connect`: its routes (one file each under routes/), its headers (security.ts) and its error
 * page. It reaches the core only: sessions, connections, the adapters' capabilities.
 */

export type PageEnv = { Variables: { requestId: string } };
export type PageApp = Hono<PageEnv>;

export interface PageRoute {
  register(page: PageApp, deps: ConnectPageDeps): void;
}

/** Order matters: the fixed paths before `/connect/{token}`, which takes the rest. */
const ROUTES: PageRoute[] = [assets, callback, retry, form, submit, home, open];

/** A form's body at most (a credential form is small). */
const MAX_BODY_BYTES = 64 * 1024;

export function connectPage(deps: ConnectPageDeps): PageApp {
  const page = new Hono<PageEnv>();
  page.use('/connect/*', pageHeaders(deps.frameAncestors));
  page.use('/connect', pageHeaders(deps.frameAncestors));
  page.use(
    '/connect/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => render(c, notice(413, 'Too much data', 'The form sent more than this page accepts.')),
    }),
  );
  // The last one (open.ts) answers any other page path with a page saying so (never the API's problem JSON).
  for (const r of ROUTES) r.register(page, deps);
  page.onError((e, c) => {
    deps.logger.error({ err: e, request_id: c.get('requestId') }, 'connect page failed');
    return render(c, notice(500, 'Something went wrong', 'Nothing was saved. Please try again in a moment.'));
  });
  return page;
}

function notice(status: NoticeStatus, heading: string, message: string): Outcome {
  return {
    type: 'notice',
    status,
    chrome: null,
    view: { heading, message, tone: 'error', link: null, retry: null },
  };
}

export function nothingHere(): Outcome {
  return notice(404, 'Nothing here', 'This page does not exist. Open the link you were given again.');
}

/** Writes an outcome: a 303 (a POST's answer is never re-sent by a reload), or a page. */
export function render(c: Context, o: Outcome): Response | Promise<Response> {
  switch (o.type) {
    case 'redirect':
      return c.redirect(o.location, 303);
    case 'chooser':
      return c.html(chooserPage(o.chrome, o.heading, o.intro, o.groups), 200);
    case 'form':
      return c.html(formPage(o.chrome, o.view), o.status);
    case 'notice':
      return c.html(noticePage(o.chrome, o.view), o.status);
  }
}

/** The page's origin for links it gives out (the OAuth return): `server.publicUrl`, else the request's. */
export function baseOf(c: Context, deps: ConnectPageDeps): string {
  return deps.publicUrl ?? new URL(c.req.url).origin;
}

/**
 * The session of the request's cookie as a flow, or the page that says why there is none (an
 * expired, revoked or completed session, or no cookie at all).
 */
export async function flowOf(
  c: Context<PageEnv>,
  deps: ConnectPageDeps,
): Promise<{ flow: ConnectFlow; token: string } | { outcome: Outcome }> {
  const token = sessionToken(c);
  if (!token) return { outcome: ConnectFlow.closedPage(undefined, 'unknown', () => null) };
  const opened = await deps.sessions.open(token);
  if ('closed' in opened) return { outcome: closedOutcome(opened) };
  return { flow: new ConnectFlow(deps, opened.session, token, c.get('requestId'), baseOf(c, deps)), token };
}

/** The page of a session that opens nothing: why (expired, revoked, completed: its done page, unknown). */
export function closedOutcome(opened: { closed: Closed; session?: ConnectSessionRow }): Outcome {
  const s = opened.session;
  return ConnectFlow.closedPage(s, opened.closed, (q) => (s ? withQuery(s.return_url, s.id, q) : null));
}

/** Where the page's stylesheet and script are: `src/connect/assets` of the installed package (also when run from dist/). */
export function assetsDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'src', 'connect', 'assets');
    if (existsSync(join(candidate, 'connect.css'))) return candidate;
    const here = join(dir, 'assets');
    if (existsSync(join(here, 'connect.css'))) return here;
    if (dirname(dir) === dir) throw new Error('the connect page assets (src/connect/assets) are missing');
  }
}
