import { configureProviders, type ProviderConfig } from '../../src/config.js';
import type { ProviderDefinition } from '../../src/providers/definition.js';

/** A provider entry as a config file would hold it, parsed the way the gateway parses it (secrets wrapped). */
export function configured<C extends Record<string, unknown>>(definition: ProviderDefinition<C>, entry: Record<string, unknown>): ProviderConfig & C {
  return configureProviders([entry], [definition as unknown as ProviderDefinition])[0] as ProviderConfig & C;
}
