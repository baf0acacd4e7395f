import { z } from 'zod';
import type { ProviderDefinition } from '../../core/adapter.js';
import { createLeenAdapter } from './adapter.js';
import { demoOrganizationId, LEEN_SIM_DEFAULT_API_KEY, startLeenSimulator } from './simulator.js';

/** The `leen` provider type: `{ "type": "leen", "apiKey": "…" }` plus the common keys. */
export const leenProvider: ProviderDefinition<{ apiKey: string }> = {
  type: 'leen',
  configSchema: z.strictObject({ apiKey: z.string().min(1) }),
  secretConfigKeys: ['apiKey'],
  createAdapter(config, deps) {
    return createLeenAdapter(config, deps);
  },
  async startSimulator(opts) {
    const apiKey = LEEN_SIM_DEFAULT_API_KEY;
    const sim = await startLeenSimulator({ port: opts.port, host: opts.host, stateFile: opts.stateFile, apiKey, seedDemo: true });
    const demoExternalOrgId = demoOrganizationId(sim.state);
    if (demoExternalOrgId === undefined) {
      await sim.close();
      throw new Error('the Leen simulator started without its demo organization');
    }
    return {
      url: sim.url,
      port: sim.port,
      close: () => sim.close(),
      providerConfig: { apiKey, baseUrl: sim.url },
      demoExternalOrgId,
      // Method and path only: the recorded headers and bodies hold the API key and credentials.
      requests: () => sim.kit.requests.map(({ method, path }) => ({ method, path })),
    };
  },
};
