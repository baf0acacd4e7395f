import { flowOf, render, type PageRoute } from '../page.js';

/** `GET /connect/kinds/{provider}/{kind}`: the kind's form, built from its credential schema (`?variant=` picks a credential type). */
const route: PageRoute = {
  register(page, deps) {
    page.get('/connect/kinds/:provider/:kind', async (c) => {
      const s = await flowOf(c, deps);
      if ('outcome' in s) return render(c, s.outcome);
      const variant = c.req.query('variant') ?? null;
      return render(c, await s.flow.form(c.req.param('provider'), c.req.param('kind'), variant));
    });
  },
};
export default route;
