import { serviceContext } from '../../request.js';
import { defineRoute, ORG } from '../route.js';

export default defineRoute({
  method: 'get',
  path: ORG,
  handler: async (c) => c.json(await c.get('deps').organizations.get(serviceContext(c), c.req.param('org') as string)),
});
