import { ChangeBodySchema } from '../../../core/connections/change.js';
import { parseOrThrow } from '../../../core/validation.js';
import { readJson, serviceContext } from '../../request.js';
import { CONNECTION, defineRoute } from '../route.js';
import { preconditions, sendConnection } from './respond.js';

/** Full replacement of the writable fields. */
export default defineRoute({
  method: 'put',
  path: CONNECTION,
  handler: async (c) => {
    const body = parseOrThrow(ChangeBodySchema, await readJson(c));
    const v = await c.get('deps').connections.replace(serviceContext(c), c.req.param('org') as string, c.req.param('id') as string, body, preconditions(c));
    return sendConnection(c, v);
  },
});
