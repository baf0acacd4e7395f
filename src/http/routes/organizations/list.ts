import { readQuery, serviceContext } from '../../request.js';
import { defineRoute, PageQuery } from '../route.js';

export default defineRoute({
  method: 'get',
  path: '/v1/organizations',
  handler: async (c) => {
    const q = readQuery(c, PageQuery.strict());
    return c.json(await c.get('deps').organizations.list(serviceContext(c), { limit: q.limit, cursor: q.cursor }));
  },
});
