import { closedOutcome, render, type PageRoute } from '../page.js';
import { setSessionCookie } from '../security.js';

/**
 * `GET /connect/{token}`: the link a caller hands its end user. The token becomes an HttpOnly,
 * SameSite=Lax cookie and the browser is sent to `/connect`, so the token is in no history, log
 * line or Referer after this request. A link that opens nothing says why (expired, revoked, used).
 */
const route: PageRoute = {
  register(page, deps) {
    page.get('/connect/:token{pbcs_[0-9A-Za-z]+}', async (c) => {
      const token = c.req.param('token');
      const opened = await deps.sessions.open(token);
      if ('closed' in opened) return render(c, closedOutcome(opened));
      setSessionCookie(c, token, opened.session.expires_at, deps.publicUrl);
      return c.redirect('/connect', 303);
    });
  },
};
export default route;
