import { ChangeBodySchema } from '../../../core/connections/change.js';
import { parseOrThrow } from '../../../core/validation.js';
import { MERGE_PATCH_TYPES, readJson, serviceContext } from '../../request.js';
import { CONNECTION, defineRoute } from '../route.js';
import { preconditions, sendConnection } from './respond.js';

/** JSON Merge Patch (RFC 7396) of name, status, settings, credentials. */
export default defineRoute({
  method: 'patch',
  path: CONNECTION,
  handler: async (c) => {
    const body = parseOrThrow(ChangeBodySchema, await readJson(c, MERGE_PATCH_TYPES));
    const v = await c.get('deps').connections.patch(serviceContext(c), c.req.param('org') as string, c.req.param('id') as string, body, preconditions(c));
    return sendConnection(c, v);
  },
});
