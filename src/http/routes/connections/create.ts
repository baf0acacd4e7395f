import { readJson, serviceContext } from '../../request.js';
import { CONNECTIONS, defineRoute } from '../route.js';
import { sendConnection } from './respond.js';

export default defineRoute({
  method: 'post',
  path: CONNECTIONS,
  handler: async (c) => {
    const org = c.req.param('org') as string;
    const created = await c.get('deps').connections.create(serviceContext(c), org, await readJson(c));
    c.header('location', `/v1/organizations/${encodeURIComponent(org)}/connections/${created.connection.id}`);
    return sendConnection(c, created, 201);
  },
});
