import { serviceContext } from '../../request.js';
import { defineRoute, ORG } from '../route.js';

export default defineRoute({
  method: 'delete',
  path: ORG,
  handler: async (c) => {
    await c.get('deps').organizations.delete(serviceContext(c), c.req.param('org') as string);
    return c.body(null, 204);
  },
});
