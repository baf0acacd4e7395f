import { defineRoute } from '../route.js';

export default defineRoute({
  method: 'get',
  path: '/readyz',
  handler: async (c) => {
    try {
      await c.get('deps').ready();
      return c.json({ status: 'ready' });
    } catch (err) {
      c.get('log').warn({ err }, 'not ready');
      return c.json({ status: 'unavailable' }, 503);
    }
  },
});
