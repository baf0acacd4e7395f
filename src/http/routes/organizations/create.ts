import { readJson, serviceContext } from '../../request.js';
import { defineRoute } from '../route.js';

export default defineRoute({
  method: 'post',
  path: '/v1/organizations',
  handler: async (c) => {
    const org = await c.get('deps').organizations.create(serviceContext(c), await readJson(c));
    c.header('location', `/v1/organizations/${encodeURIComponent(org.id)}`);
    return c.json(org, 201);
  },
});
