import { MERGE_PATCH_TYPES, readJson, serviceContext } from '../../request.js';
import { defineRoute, ORG } from '../route.js';

export default defineRoute({
  method: 'patch',
  path: ORG,
  handler: async (c) => {
    const body = await readJson(c, MERGE_PATCH_TYPES);
    return c.json(await c.get('deps').organizations.patch(serviceContext(c), c.req.param('org') as string, body));
  },
});
