import { z } from 'zod';
import { Secret } from '../../core/secret.js';
import { simulatorSetup, type ProviderDefinition } from '../definition.js';
import { createLeenAdapter, type LeenConfig } from './adapter.js';
import { LEEN_LINK_FORMAT } from './link.js';

/** The `leen` provider type: `{ "type": "leen", "apiKey": "…" }` plus the common keys. */
export const leenProvider: ProviderDefinition<LeenConfig> = {
  type: 'leen',
  configSchema: z.strictObject({
    apiKey: z
      .string({ error: (i) => (i.input === undefined ? 'required' : 'must be a string') })
      .min(1, { error: 'must not be empty' })
      .transform((v) => new Secret(v)),
  }),
  linkFormat: LEEN_LINK_FORMAT,
  createAdapter(config, deps) {
    return createLeenAdapter(config, deps);
  },
  async startSimulator(opts) {
    const [{ LEEN_SIM_DEFAULT_API_KEY, startLeenSimulator }, { demoOrganizationId }] = await Promise.all([
      import('./simulator/index.js'),
      import('./simulator/state.js'),
    ]);
    const apiKey = opts.secret ?? LEEN_SIM_DEFAULT_API_KEY;
    const sim = await startLeenSimulator({
      port: opts.port,
      host: opts.host,
      stateFile: opts.stateFile,
      apiKey,
      seedDemo: true,
    });
    const demoExternalOrgId = demoOrganizationId(sim.state);
    if (demoExternalOrgId === undefined) {
      await sim.close();
      throw new Error('the Leen simulator started without its demo organization');
    }
    return simulatorSetup(sim, { apiKey, baseUrl: sim.url }, demoExternalOrgId);
  },
  async samples() {
    return (await import('./samples.js')).leenSamples;
  },
};
