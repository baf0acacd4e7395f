import { flowOf, render, type PageRoute } from '../page.js';

/** `GET /connect`: the session's page: its chooser, or straight to the one form it allows. */
const route: PageRoute = {
  register(page, deps) {
    page.get('/connect', async (c) => {
      const s = await flowOf(c, deps);
      return render(c, 'outcome' in s ? s.outcome : await s.flow.home());
    });
  },
};
export default route;
