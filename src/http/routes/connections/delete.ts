import { serviceContext } from '../../request.js';
import { CONNECTION, defineRoute } from '../route.js';
import { preconditions } from './respond.js';

export default defineRoute({
  method: 'delete',
  path: CONNECTION,
  handler: async (c) => {
    await c.get('deps').connections.delete(serviceContext(c), c.req.param('org') as string, c.req.param('id') as string, preconditions(c));
    return c.body(null, 204);
  },
});
