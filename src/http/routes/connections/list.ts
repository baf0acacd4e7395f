import { z } from 'zod';
import { ConnectionStatus } from '../../../core/connection.js';
import { readQuery, serviceContext } from '../../request.js';
import { CONNECTIONS, defineRoute, PageQuery } from '../route.js';

const Query = PageQuery.extend({
  provider: z.string().min(1).optional(),
  status: ConnectionStatus.optional(),
  strict: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
}).strict();

export default defineRoute({
  method: 'get',
  path: CONNECTIONS,
  handler: async (c) => {
    const q = readQuery(c, Query);
    return c.json(await c.get('deps').connections.list(serviceContext(c), c.req.param('org') as string, q));
  },
});
