import { defineRoute } from '../route.js';

/** Configured providers and their capabilities (the circuit state arrives with the resilience work). */
export default defineRoute({
  method: 'get',
  path: '/v1/providers',
  handler: (c) => c.json(c.get('deps').providers.map((p) => ({ id: p.id, type: p.type, capabilities: p.capabilities, state: { circuit: 'closed' } }))),
});
