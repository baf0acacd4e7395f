import { defineRoute } from '../route.js';

export default defineRoute({ method: 'get', path: '/healthz', handler: (c) => c.json({ status: 'ok' }) });
