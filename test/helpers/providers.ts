import { configureProviders, type ProviderConfig } from '../../src/config.js';
import type { ProviderDefinition, ProviderSamples } from '../../src/providers/definition.js';

/** A provider entry as a config file would hold it, parsed the way the gateway parses it (secrets wrapped). */
export function configured<C extends Record<string, unknown>>(
  definition: ProviderDefinition<C>,
  entry: Record<string, unknown>,
): ProviderConfig & C {
  return configureProviders([entry], [definition as unknown as ProviderDefinition])[0] as ProviderConfig & C;
}

/** A provider type with its samples loaded: what the checks derived from the registry take. */
export interface SampledProvider {
  type: string;
  definition: ProviderDefinition;
  samples: ProviderSamples;
}

/** Loads the samples of each definition (tests await it at the top of a file, before describing). */
export async function withSamples(
  definitions: ReadonlyArray<ProviderDefinition>,
): Promise<SampledProvider[]> {
  return Promise.all(
    definitions.map(async (definition) => ({
      type: definition.type,
      definition,
      samples: await definition.samples(),
    })),
  );
}

/** One entry of each type, id equal to the type, with the keys of its reference sample and `extra`. */
export function referenceEntries(
  providers: ReadonlyArray<SampledProvider>,
  extra: Record<string, unknown> = {},
): Array<Record<string, unknown>> {
  return providers.map((p) => ({ id: p.type, type: p.type, ...p.samples.referenceConfig, ...extra }));
}
