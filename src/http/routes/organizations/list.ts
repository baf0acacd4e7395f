import { readQuery, requestContext } from '../../request.js';
import { defineRoute, PageQuery } from '../route.js';

export default defineRoute({
  method: 'get',
  path: '/v1/organizations',
  handler: async (c) => {
    const q = readQuery(c, PageQuery.strict());
    return c.json(await c.get('deps').organizations.list(requestContext(c), { limit: q.limit, cursor: q.cursor }));
  },
});
