import { pino } from 'pino';
import { configureProviders } from './config.js';
import { SERVER_LIMIT_DEFAULTS } from './net.js';
import { Secret } from './core/secret.js';
import { createGateway } from './gateway.js';
import type { ProviderDefinition } from './providers/definition.js';
import { definitions } from './providers/registry.js';

/**
 * The OpenAPI document of a gateway configured with one entry of every provider type (ids equal to
 * the types, keys from each type's reference sample): what `docs/openapi.json` and the caller SDK's
 * types are generated from. A real gateway serves its own at `/openapi.json`, with its own provider ids.
 */
export async function referenceDocument(
  types: ReadonlyArray<ProviderDefinition> = definitions,
): Promise<Record<string, unknown>> {
  const entries = await Promise.all(
    types.map(async (d) => ({ id: d.type, type: d.type, ...(await d.samples()).referenceConfig })),
  );
  const providers = configureProviders(entries, types);
  const gateway = await createGateway(
    {
      server: { host: '127.0.0.1', port: 0, limits: SERVER_LIMIT_DEFAULTS },
      database: { url: new Secret('sqlite::memory:') },
      auth: { adminKey: new Secret('reference-admin-key-unused') },
      encryption: { key: new Secret(Buffer.alloc(32)) },
      logLevel: 'silent',
      providers,
    },
    { definitions: types, logger: pino({ level: 'silent' }), dispatch: false },
  );
  try {
    return (await (await gateway.app.request('/openapi.json')).json()) as Record<string, unknown>;
  } finally {
    await gateway.close();
  }
}
