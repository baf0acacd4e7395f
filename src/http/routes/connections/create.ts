import { GatewayError } from '../../../core/errors.js';
import { parseOrThrow } from '../../../core/validation.js';
import { readJson, serviceContext } from '../../request.js';
import { CONNECTIONS, defineRoute } from '../route.js';
import { sendConnection } from './respond.js';

export default defineRoute({
  method: 'post',
  path: CONNECTIONS,
  handler: async (c) => {
    const org = c.req.param('org') as string;
    const rules = c.get('deps').createConnectionBody;
    const body = await readJson(c);
    const unsupported = rules.unsupported(body);
    if (unsupported.length > 0) throw new GatewayError('unsupported_change', 'This provider cannot set these fields.', { errors: unsupported });
    const created = await c.get('deps').connections.create(serviceContext(c), org, parseOrThrow(rules.schema, body));
    c.header('location', `/v1/organizations/${encodeURIComponent(org)}/connections/${created.connection.id}`);
    return sendConnection(c, created, 201);
  },
});
