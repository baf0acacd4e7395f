import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppEnv } from '../env.js';
import { ANY_PROBLEMS, problems } from '../routes/route.js';

/**
 * The hosted connect page's paths (src/connect/, contract §10), documented beside the API so the
 * document lists every route the gateway serves. They answer HTML for a browser and take no bearer
 * key: the session's token opens them (then its cookie).
 */

const PAGE = { 'text/html': { schema: z.string() } };
const page = (description: string) => ({ description, content: PAGE });
const redirect = (description: string) => ({
  description,
  headers: { Location: { description: 'Where the browser goes next.', schema: { type: 'string' as const } } },
});
const Kind = z.object({
  provider: z.string().describe('A provider id the session allows.'),
  kind: z.string().describe('A kind of that provider.'),
});

const PATHS = [
  {
    method: 'get',
    path: '/connect/{token}',
    operationId: 'openConnectPage',
    summary:
      'Open a connect session link: the token becomes an HttpOnly cookie, then a redirect drops it from the URL',
    request: { params: z.object({ token: z.string().describe('The session token (`pbcs_…`).') }) },
    responses: {
      303: redirect('To `/connect`, with the session cookie set.'),
      404: page('Not a connect link.'),
      410: page('The session expired or was revoked.'),
      200: page('The session is completed: its done page.'),
    },
  },
  {
    method: 'get',
    path: '/connect',
    operationId: 'connectPage',
    summary: "The session's page: what the end user may connect",
    responses: {
      200: page('The chooser.'),
      303: redirect('To the one form the session allows.'),
      404: page('No session.'),
    },
  },
  {
    method: 'get',
    path: '/connect/kinds/{provider}/{kind}',
    operationId: 'connectForm',
    summary: "A kind's credential form, built from the schema the API checks with",
    request: {
      params: Kind,
      query: z.object({ variant: z.string().optional().describe('A credential type.') }),
    },
    responses: { 200: page('The form (or the choice of credential type).'), 404: page('Not offered.') },
  },
  {
    method: 'post',
    path: '/connect/kinds/{provider}/{kind}',
    operationId: 'submitConnectForm',
    summary: 'Submit the form: the connection is made once and its credentials tested',
    request: {
      params: Kind,
      body: {
        content: { 'application/x-www-form-urlencoded': { schema: z.record(z.string(), z.string()) } },
      },
    },
    responses: {
      303: redirect('To `return_url` (done), or to the provider to consent (OAuth).'),
      400: page('The form again, each problem at its field.'),
      403: page('The CSRF token did not match.'),
      422: page("The form again, with the provider's answer."),
      429: page('More than 10 submissions in a minute.'),
    },
  },
  {
    method: 'get',
    path: '/connect/callback',
    operationId: 'connectCallback',
    summary: "Where the provider's consent page sends the end user back (OAuth)",
    responses: {
      303: redirect('To `return_url` when the connection is active.'),
      422: page('The consent did not complete: try again.'),
    },
  },
  {
    method: 'post',
    path: '/connect/retry',
    operationId: 'retryConnectConsent',
    summary: "Try the provider's consent again",
    responses: {
      303: redirect("To the provider's consent page."),
      403: page('The CSRF token did not match.'),
    },
  },
  {
    method: 'get',
    path: '/connect/assets/{file}',
    operationId: 'connectPageAsset',
    summary: "The page's stylesheet and script (its own files; no CDN)",
    request: { params: z.object({ file: z.enum(['connect.css', 'connect.js']) }) },
    responses: {
      200: {
        description: 'The file.',
        content: { 'text/css': { schema: z.string() }, 'text/javascript': { schema: z.string() } },
      },
    },
  },
] as const;

/** What any page may answer: the done page of a completed session, no session, one that is over. */
const EVERY_PAGE = {
  200: page('The page (for a completed session: its done page).'),
  404: page('No session: no cookie, an unknown link, or nothing here.'),
  410: page('The session expired or was revoked.'),
};
/** What a form post may answer besides. */
const EVERY_POST = {
  403: page('The CSRF token did not match: nothing was done.'),
  413: page('The form was larger than the page accepts.'),
};

export function registerConnectPageDocument(app: OpenAPIHono<AppEnv>): void {
  for (const p of PATHS)
    app.openAPIRegistry.registerPath({
      ...p,
      tags: ['connect page'],
      security: [],
      responses: {
        ...EVERY_PAGE,
        ...(p.method === 'post' ? EVERY_POST : {}),
        ...p.responses,
        ...problems(...ANY_PROBLEMS),
      },
    } as Parameters<typeof app.openAPIRegistry.registerPath>[0]);
}
