import type { z } from 'zod';
import type { LinkFormat, ProviderAdapter } from '../core/adapter.js';
import type { AdapterDeps } from '../upstream/index.js';
import type { CommonProviderConfig } from '../config.js';
import type { RunningSimulator } from '../simulator/server.js';

/**
 * A provider type as the process entry points see it: the keys it adds to a provider entry, its
 * adapter factory, its simulator and its samples. The core never sees this: it knows adapters only.
 */

export interface SimulatorStartOptions {
  port?: number | undefined;
  host?: string | undefined;
  /** Persist the simulator's state to this JSON file (the sandbox does). */
  stateFile?: string | undefined;
}

/** How the sandbox, `npm run simulate` and tests start a provider type's simulator. */
export interface SimulatorLaunchOptions extends SimulatorStartOptions {
  /**
   * The provider secret the simulator accepts (an API key, a client secret) instead of its default:
   * the one its `providerConfig` then holds. Tests pass canaries.
   */
  secret?: string | undefined;
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
  /** Whether a request served so far carried `text` in a header or its body (tests check a secret was sent). */
  received(text: string): boolean;
}

/**
 * A started simulator as a SimulatorSetup: its address and close, with what points an entry at it
 * and its demo organization. Requests are given as method and path only: the recorded headers and
 * bodies hold the provider secret and credentials.
 */
export function simulatorSetup(
  sim: RunningSimulator<unknown>,
  providerConfig: Record<string, unknown>,
  demoExternalOrgId: string,
): SimulatorSetup {
  return {
    url: sim.url,
    port: sim.port,
    close: () => sim.close(),
    providerConfig,
    demoExternalOrgId,
    requests: () => sim.kit.requests.map(({ method, path }) => ({ method, path })),
    received: (text) => sim.kit.received(text),
  };
}

/** Requests a fault rule of `POST <simulator>/__sim/faults` matches: a method and a path regex (any path when absent). */
export interface RequestMatch {
  method: string;
  path?: string;
}

/** An error answer of the provider: its status and its own error body. */
export interface ProviderAnswer {
  status: number;
  body: unknown;
}

/** Makes a canary value: a marker no answer, log line, event, metric or stored file may hold; `tag` names where it was put. */
export type Canary = (tag: string) => string;

/**
 * What the canary run (test/security/canary-run.ts) sends through this provider type. Every body
 * carries as canaries the secrets a connection of this type takes; error answers echo what they
 * were sent, as providers do. Faults are injected over HTTP (`POST <simulator>/__sim/faults`).
 */
export interface CanarySamples {
  /** A create body (without `provider`) whose secrets are canaries; `i` makes it distinct from the others (1, 2, …). */
  create(canary: Canary, i: number): Record<string, unknown>;
  /** The upstream request a create sends. */
  createRequest: RequestMatch;
  /** The caller's bad input, with canaries in it: create bodies and the gateway's status for each (a 400, or a 201 where the provider takes what it sends on). */
  invalid(canary: Canary): Array<{ body: Record<string, unknown>; status: number }>;
  /** Changes carrying secrets, when connections of this type take them: a PATCH body, a PUT body, and the upstream request they send. */
  change?: {
    patch(canary: Canary): Record<string, unknown>;
    replace(canary: Canary): Record<string, unknown>;
    request: RequestMatch;
  };
  /** The provider refusing a request (a 4xx other than 401, 403, 404, 408, 429), its message echoing `text`: the secrets the request carried. */
  rejection(text: string): ProviderAnswer;
  /** The provider failing (a 5xx), its message echoing `text`. */
  failure(text: string): ProviderAnswer;
  /**
   * Where the gateway's own provider secret is sent, the provider refusing it (echoing it), and the
   * simulator's control call (method and path under its URL) after which it is sent again, if any.
   */
  secret: {
    request: RequestMatch;
    refusal(secret: string): ProviderAnswer;
    renew?: { method: string; path: string };
  };
}

/** A provider type's sample and test data: loaded on demand, never on the production path. */
export interface ProviderSamples {
  /** The type-specific keys of an entry with placeholder values: the reference document's entry (docs/openapi.json, the SDK's types). */
  referenceConfig: Record<string, unknown>;
  /** This type's entry in examples/config.json after `id` and `type`, its secrets as `${ENV}` placeholders. */
  exampleConfig: Record<string, unknown>;
  /** Organization ids in the provider's documented format (accepted; at least one) and outside it (refused). */
  linkExamples: { valid: string[]; invalid: string[] };
  /** How many connections the simulator's demo organization starts with. */
  demoConnections: number;
  canary: CanarySamples;
}

/** A provider type: its config schema (the type-specific keys), its adapter factory, its simulator, its samples. */
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
  startSimulator(opts: SimulatorLaunchOptions): Promise<SimulatorSetup>;
  /** Loads this type's sample and test data (on demand, like the simulator). */
  samples(): Promise<ProviderSamples>;
}
