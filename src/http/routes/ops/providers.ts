import type { ProviderCapabilities } from '../../../core/adapter.js';
import { defineRoute } from '../route.js';

/** Capability flags in the wire model's snake_case (contract §8). */
function wireCapabilities(c: ProviderCapabilities) {
  return {
    update_model: c.updateModel,
    writable_name: c.writableName,
    nullable_name: c.nullableName,
    writable_status: c.writableStatus,
    writable_settings: c.writableSettings,
    unsupported_settings: c.unsupportedSettings,
    supports_credentials: c.supportsCredentials,
    supports_test: c.supportsTest,
    supports_jobs: c.supportsJobs,
  };
}

/** Configured providers and what each can do (the circuit state arrives with the resilience work). */
export default defineRoute({
  method: 'get',
  path: '/v1/providers',
  handler: (c) => c.json({
    data: c.get('deps').providers.map((p) => ({ id: p.id, type: p.type, capabilities: wireCapabilities(p.capabilities), state: { circuit: 'closed' } })),
  }),
});
