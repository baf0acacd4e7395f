import { z } from 'zod';
import { Secret } from '../../core/secret.js';
import { simulatorSetup, type ProviderDefinition, type SimulatorSetup } from '../definition.js';
import { createVersoriAdapter, type VersoriEntryConfig } from './adapter.js';
import { VERSORI_LINK_FORMAT } from './link.js';

/** The keys a `versori` provider entry adds to the common ones (contract §1). */
export const versoriConfigSchema = z.strictObject({
  /** Switchboard API key, sent in `Authorization` (as `Bearer <key>` unless it names its scheme). */
  apiKey: z
    .string({ error: (i) => (i.input === undefined ? 'required' : 'must be a string') })
    .min(1, { error: 'must not be empty' })
    .transform((v) => new Secret(v)),
});

export const versoriProvider: ProviderDefinition<VersoriEntryConfig> = {
  type: 'versori',
  configSchema: versoriConfigSchema,
  linkFormat: VERSORI_LINK_FORMAT,
  createAdapter(config, deps) {
    return createVersoriAdapter(config, deps);
  },
  async startSimulator(opts): Promise<SimulatorSetup> {
    const [{ startVersoriSimulator }, { DEMO_ORGANISATION }] = await Promise.all([
      import('./simulator/index.js'),
      import('./fixtures.js'),
    ]);
    const sim = await startVersoriSimulator({
      port: opts.port,
      host: opts.host,
      stateFile: opts.stateFile,
      apiKey: opts.secret,
      seedDemo: true,
    });
    return simulatorSetup(sim, { apiKey: sim.apiKey, baseUrl: sim.baseUrl }, DEMO_ORGANISATION.id);
  },
  async samples() {
    return (await import('./samples.js')).versoriSamples;
  },
};
