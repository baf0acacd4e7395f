import { flowOf, render, type PageRoute } from '../page.js';
import { csrfMatches } from '../security.js';

/**
 * `POST /connect/kinds/{provider}/{kind}`: the form's submit. The CSRF token first, then the
 * schema, then the connection is made once (the session's lock) and tested.
 */
const route: PageRoute = {
  register(page, deps) {
    page.post('/connect/kinds/:provider/:kind', async (c) => {
      const s = await flowOf(c, deps);
      if ('outcome' in s) return render(c, s.outcome);
      const body = await c.req.parseBody();
      if (!csrfMatches(s.token, body['csrf'])) return render(c, csrfRefused());
      return render(c, await s.flow.submit(c.req.param('provider'), c.req.param('kind'), body));
    });
  },
};
export default route;

export function csrfRefused() {
  return {
    type: 'notice' as const,
    status: 403 as const,
    chrome: null,
    view: {
      heading: 'This form has expired',
      message: 'The form was not sent from this page. Nothing was saved; open the link again to start over.',
      tone: 'error' as const,
      link: { href: '/connect', label: 'Start over' },
      retry: null,
    },
  };
}
