import type { Logger } from 'pino';
import type { CommonProviderConfig } from '../config.js';
import { upstreamSettings, UpstreamPolicy } from './policy.js';

/** What every adapter factory receives besides its config entry: shared, injected services. */
export interface AdapterDeps {
  logger: Logger;
  /**
   * The entry's upstream policy (transport, timeouts, retries, breaker, limiter, cache), built once
   * by the gateway and shared by all of the adapter's clients. Built from the entry when absent (tests).
   */
  upstream?: UpstreamPolicy | undefined;
  /** Milliseconds since the epoch (token lifetimes, caches); defaults to Date.now. Tests inject one. */
  now?: () => number;
}

/** What every provider's client takes from its config entry and the adapter's deps. */
export interface ProviderClientOptions {
  providerId: string;
  baseUrl?: string | undefined;
  logger: Logger;
  /** The provider's one policy, shared by all of its clients. */
  policy: UpstreamPolicy;
  now?: (() => number) | undefined;
}

/** The options of a provider's clients: the gateway's policy for this entry, or (tests) one built from the entry alone. */
export function providerClientOptions(
  config: CommonProviderConfig,
  deps: AdapterDeps,
): ProviderClientOptions {
  const policy =
    deps.upstream ??
    new UpstreamPolicy(config.id, upstreamSettings(config), { logger: deps.logger, now: deps.now });
  return { providerId: config.id, baseUrl: config.baseUrl, logger: deps.logger, policy, now: deps.now };
}
