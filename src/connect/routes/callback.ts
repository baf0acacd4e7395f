import { flowOf, render, type PageRoute } from '../page.js';

/** `GET /connect/callback`: where a provider's consent page sends the end user back (OAuth); the connection is read to tell. */
const route: PageRoute = {
  register(page, deps) {
    page.get('/connect/callback', async (c) => {
      const s = await flowOf(c, deps);
      return render(c, 'outcome' in s ? s.outcome : await s.flow.callback());
    });
  },
};
export default route;
