import { createRoute } from '@hono/zod-openapi';
import type { ProviderCapabilities } from '../../../core/adapter.js';
import { ProviderList } from '../../openapi/schemas.js';
import { AUTH_PROBLEMS, authorized, defineRoute, json, problems } from '../route.js';

/** Capability flags in the wire model's snake_case (contract §8). */
function wireCapabilities(c: ProviderCapabilities) {
  return {
    update_model: c.updateModel,
    writable_name: c.writableName,
    nullable_name: c.nullableName,
    writable_status: [...c.writableStatus],
    writable_settings: [...c.writableSettings],
    unsupported_settings: [...c.unsupportedSettings],
    supports_credentials: c.supportsCredentials,
    supports_test: c.supportsTest,
    supports_jobs: c.supportsJobs,
  };
}

const route = createRoute({
  method: 'get',
  path: '/v1/providers',
  operationId: 'listProviders',
  tags: ['operations'],
  summary: 'The configured providers and what each can do',
  ...authorized('connections:read'),
  responses: { 200: json(ProviderList, 'The configured providers.'), ...problems(...AUTH_PROBLEMS) },
});

/** Capabilities, the format of a link to each provider, the state of its circuit breaker and its monitor. */
export default defineRoute((app) =>
  app.openapi(route, async (c) => {
    const deps = c.get('deps');
    const monitor = await deps.monitorState();
    return c.json(
      {
        data: deps.providers.map((p) => {
          const m = monitor.get(p.id);
          return {
            id: p.id,
            type: p.type,
            capabilities: wireCapabilities(p.capabilities),
            link_format: p.linkFormat,
            state: { circuit: p.circuit() },
            monitor: {
              last_pass_at: m?.last_pass_at ?? null,
              last_pass_ms: m?.last_pass_ms ?? null,
              next_pass_at: m?.next_pass_at ?? null,
              last_error: m?.last_error ?? null,
            },
          };
        }),
      },
      200,
    );
  }),
);
