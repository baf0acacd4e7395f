import { flowOf, render, type PageRoute } from '../page.js';
import { csrfMatches } from '../security.js';
import { csrfRefused } from './submit.js';

/** `POST /connect/retry`: "Try again" after a consent that did not complete: back to the provider's consent page. */
const route: PageRoute = {
  register(page, deps) {
    page.post('/connect/retry', async (c) => {
      const s = await flowOf(c, deps);
      if ('outcome' in s) return render(c, s.outcome);
      const body = await c.req.parseBody();
      if (!csrfMatches(s.token, body['csrf'])) return render(c, csrfRefused());
      return render(c, await s.flow.retry());
    });
  },
};
export default route;
