import { z } from 'zod';
import { Secret } from '../../core/secret.js';
import { simulatorSetup, type ProviderDefinition } from '../definition.js';
import { createLeenAdapter, type LeenConfig } from './adapter.js';
import { LEEN_LINK_FORMAT } from './link.js';

/**
 * The `leen` provider type: `{ "type": "leen", "apiKey": "…" }` plus the common keys, and optionally
 * `onrampUrl`, a page of the caller's that embeds Leen's OnRamp component (docs/providers/leen.md §10).
 */
export const leenProvider: ProviderDefinition<LeenConfig> = {
  type: 'leen',
  configSchema: z.strictObject({
    apiKey: z
      .string({ error: (i) => (i.input === undefined ? 'required' : 'must be a string') })
      .min(1, { error: 'must not be empty' })
      .transform((v) => new Secret(v)),
    onrampUrl: z
      .url({
        protocol: /^https?$/,
        error: 'must be an absolute http(s) URL, e.g. https://app.example.com/connect/leen',
      })
      .optional(),
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
    // The simulator's own OnRamp stand-in, so the sandbox's "Continue with Leen OnRamp" works.
    return simulatorSetup(
      sim,
      { apiKey, baseUrl: sim.url, onrampUrl: `${sim.url}/onramp` },
      demoExternalOrgId,
    );
  },
  async samples() {
    return (await import('./samples.js')).leenSamples;
  },
};
