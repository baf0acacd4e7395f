import { serviceContext } from '../../request.js';
import { CONNECTION, defineRoute } from '../route.js';

/** Credential test: `{ ok, detail }`. */
export default defineRoute({
  method: 'post',
  path: `${CONNECTION}/test`,
  handler: async (c) => c.json(await c.get('deps').connections.test(serviceContext(c), c.req.param('org') as string, c.req.param('id') as string)),
});
