import { etagMatches } from '../../../core/etag.js';
import { serviceContext } from '../../request.js';
import { CONNECTION, defineRoute } from '../route.js';
import { sendConnection } from './respond.js';

export default defineRoute({
  method: 'get',
  path: CONNECTION,
  handler: async (c) => {
    const v = await c.get('deps').connections.get(serviceContext(c), c.req.param('org') as string, c.req.param('id') as string);
    const ifNoneMatch = c.req.header('if-none-match');
    if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, v.etag)) {
      c.header('etag', v.etag);
      return c.body(null, 304);
    }
    return sendConnection(c, v);
  },
});
