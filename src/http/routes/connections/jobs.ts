import { readQuery, serviceContext } from '../../request.js';
import { CONNECTION, defineRoute, PageQuery } from '../route.js';

export default defineRoute({
  method: 'get',
  path: `${CONNECTION}/jobs`,
  handler: async (c) => {
    const q = readQuery(c, PageQuery.strict());
    return c.json(await c.get('deps').connections.jobs(serviceContext(c), c.req.param('org') as string, c.req.param('id') as string, q));
  },
});
