import type { z } from 'zod';
import type { LinkFormat, ProviderAdapter } from '../core/adapter.js';
import type { AdapterDeps } from '../upstream/index.js';
import type { CommonProviderConfig } from '../config.js';

/**
 * A provider type as the process entry points see it: the keys it adds to a provider entry, its
 * adapter factory, and its simulator. The core never sees this: it knows adapters only.
 */

export interface SimulatorStartOptions {
  port?: number | undefined;
  host?: string | undefined;
  /** Persist the simulator's state to this JSON file (the sandbox does). */
  stateFile?: string | undefined;
}

/** A running simulator as the sandbox and `npm run simulate` see it. */
export interface SimulatorSetup {
  url: string;
  port: number;
  close(): Promise<void>;
  /** The type-specific keys of a provider entry that point an adapter at this simulator (incl. `baseUrl`), as a config file holds them. */
  providerConfig: Record<string, unknown>;
  /** The simulated organization seeded with demo connections, for the sandbox's `demo` link. */
  demoExternalOrgId: string;
  /** Requests the simulator has served so far (tests count upstream writes with it). */
  requests(): ReadonlyArray<{ method: string; path: string }>;
}

/** A provider type: its config schema (the type-specific keys), its adapter factory, its simulator. */
export interface ProviderDefinition<C extends Record<string, unknown> = Record<string, unknown>> {
  type: string;
  /**
   * Zod object of the keys this type adds to a provider entry (e.g. `apiKey`); strict. Secret
   * values come out wrapped in `Secret`, from the moment they are parsed; messages never echo a value.
   */
  configSchema: z.ZodType<C>;
  /**
   * The format of this provider's organization ids, as its documents give it: a gateway
   * organization's link to an entry of this type must match. Its adapters carry the same one.
   */
  linkFormat: LinkFormat;
  /** Method syntax on purpose: lets definitions with narrower configs sit in one registry list. */
  createAdapter(config: CommonProviderConfig & C, deps: AdapterDeps): ProviderAdapter;
  /**
   * Starts this provider's simulator, seeded with demo data (kept when restored from stateFile).
   * Simulators load on demand: the production path never imports them.
   */
  startSimulator(opts: SimulatorStartOptions): Promise<SimulatorSetup>;
}
