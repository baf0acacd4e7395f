import { closedOutcome, nothingHere, render, type PageRoute } from '../page.js';
import { setSessionCookie } from '../security.js';

/**
 * `GET /connect/{token}`: the link a caller hands its end user. The token becomes an HttpOnly,
 * SameSite=Lax cookie and the browser is sent to `/connect`, so the token is in no history, log
 * line or Referer after this request. A link that opens nothing says why (expired, revoked, used).
 */
const LINK = /^\/connect\/(pbcs_[0-9A-Za-z]+)$/;

const route: PageRoute = {
  register(page, deps) {
    // The page's last route, a wildcard matched here: a `:token` beside the fixed paths (or a
    // pattern in the path) makes Hono fall back from its RegExpRouter to the slower TrieRouter for
    // every route of the gateway, the API's included.
    page.get('/connect/*', async (c) => {
      const token = LINK.exec(c.req.path)?.[1];
      if (token === undefined) return render(c, nothingHere());
      const opened = await deps.sessions.open(token);
      if ('closed' in opened) return render(c, closedOutcome(opened));
      setSessionCookie(c, token, opened.session.expires_at, deps.publicUrl);
      return c.redirect('/connect', 303);
    });
  },
};
export default route;
