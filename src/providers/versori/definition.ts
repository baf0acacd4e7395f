import { z } from 'zod';
import type { ProviderDefinition, SimulatorSetup } from '../../core/adapter.js';
import { createVersoriAdapter } from './adapter.js';
import { DEMO_ORGANISATION } from './fixtures.js';
import { startVersoriSimulator } from './simulator.js';

/** The keys a `versori` provider entry adds to the common ones (contract §1). */
export const versoriConfigSchema = z.strictObject({
  /** Switchboard API key, sent in `Authorization` (as `Bearer <key>` unless it names its scheme). */
  apiKey: z.string().min(1),
});

export const versoriProvider: ProviderDefinition<{ apiKey: string }> = {
  type: 'versori',
  configSchema: versoriConfigSchema,
  secretConfigKeys: ['apiKey'],
  createAdapter(config, deps) {
    return createVersoriAdapter(config, deps);
  },
  async startSimulator(opts): Promise<SimulatorSetup> {
    const sim = await startVersoriSimulator({ port: opts.port, host: opts.host, stateFile: opts.stateFile, seedDemo: true });
    return {
      url: sim.url,
      port: sim.port,
      close: () => sim.close(),
      providerConfig: { apiKey: sim.apiKey, baseUrl: sim.baseUrl },
      demoExternalOrgId: DEMO_ORGANISATION.id,
      // Method and path only: recorded headers hold the API key.
      requests: () => sim.kit.requests.map(({ method, path }) => ({ method, path })),
    };
  },
};
