import { z } from 'zod';
import { readQuery, serviceContext } from '../../request.js';
import { defineRoute, ORG } from '../route.js';

const Query = z.strictObject({
  after: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export default defineRoute({
  method: 'get',
  path: `${ORG}/events`,
  handler: async (c) => {
    const q = readQuery(c, Query);
    return c.json(await c.get('deps').events.list(serviceContext(c), c.req.param('org') as string, { after: q.after, limit: q.limit }));
  },
});
