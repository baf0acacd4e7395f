import { startSimulator, type RunningSimulator } from '../../../simulator/server.js';
import type { Auth0Organization, Auth0TenantConnection } from '../api-types.js';
import { DEFAULT_DOMAIN, SANDBOX_CLIENT } from '../fixtures.js';
import { DEFAULT_RATE_LIMIT, RateLimiter, type Auth0RateLimit } from './rate-limit.js';
import { routes } from './routes.js';
import {
  addOrganization,
  addSelfServiceProfile,
  addTenantConnection,
  expireTokens,
  freshState,
  restoreState,
  type Auth0SimState,
  type SelfServiceProfile,
} from './state.js';
import type { Auth0SimClient } from './token.js';

/**
 * An in-memory Auth0 tenant, faithful enough that the official `auth0` SDK (7.1.0) runs against it
 * (test/providers/auth0/sdk-fidelity.test.ts): the client-credentials token endpoint, the
 * Management API's tenant connections, organizations and organization connections (both the EA
 * `connections` and the GA `enabled_connections` family, over the same records), Self-Service SSO
 * profiles and tickets with a stand-in for Auth0's setup assistant at the ticket URL (§10),
 * Auth0's error bodies, list envelopes, status codes and `x-ratelimit-*` headers. docs/providers/auth0.md §2–§10.
 */

export interface Auth0SimulatorOptions {
  port?: number | undefined;
  host?: string | undefined;
  stateFile?: string | undefined;
  domain?: string | undefined;
  clients?: Auth0SimClient[] | undefined;
  /** Lifetime of issued tokens; Auth0's default is 86,400 s. */
  tokenTtlSec?: number | undefined;
  rateLimit?: Auth0RateLimit | undefined;
  /**
   * Also create the demo organization with two attached connections, spare tenant connections and
   * the sandbox's self-service profile (fresh state only; the profile also in a state file from
   * before the Self-Service SSO endpoints).
   */
  seedDemo?: boolean | undefined;
  /** Clock (ms since the epoch) for token expiry and rate-limit windows; tests inject one. */
  now?: (() => number) | undefined;
}

export interface Auth0Simulator extends RunningSimulator<Auth0SimState> {
  domain: string;
  /** `https://{domain}/api/v2/`: the only audience the token endpoint accepts. */
  audience: string;
  clients: readonly Auth0SimClient[];
  /** Makes every issued token expired now (also `POST /__sim/expire-tokens`). */
  expireTokens(): void;
  /** Replaces the Management API budget and restarts the window (also `PUT /__sim/rate-limit`). */
  setRateLimit(rateLimit: Auth0RateLimit): void;
  /** Test helpers that write the state directly, as the Auth0 dashboard would. */
  addTenantConnection(c: { name: string; strategy: string; id?: string }): Auth0TenantConnection;
  addOrganization(o: { name: string; id?: string; display_name?: string }): Auth0Organization;
  addSelfServiceProfile(p: Partial<SelfServiceProfile> & { name: string }): SelfServiceProfile;
}

const DEFAULT_TOKEN_TTL_SEC = 86_400;

export async function startAuth0Simulator(opts: Auth0SimulatorOptions = {}): Promise<Auth0Simulator> {
  const now = opts.now ?? Date.now;
  const clients: readonly Auth0SimClient[] = opts.clients ?? [SANDBOX_CLIENT];
  const tokenTtlSec = opts.tokenTtlSec ?? DEFAULT_TOKEN_TTL_SEC;
  const rateLimit = new RateLimiter(opts.rateLimit ?? DEFAULT_RATE_LIMIT, now);
  const running = await startSimulator<Auth0SimState>(
    {
      fresh: () => freshState(opts.domain ?? DEFAULT_DOMAIN, opts.seedDemo ?? false),
      restore: (saved) => restoreState(saved, opts.domain, opts.seedDemo ?? false),
      routes: (app, state) => routes(app, { state, clients, tokenTtlSec, now, rateLimit }),
    },
    { port: opts.port, host: opts.host, stateFile: opts.stateFile },
  );
  const { state } = running;
  return {
    ...running,
    domain: state.domain,
    audience: `https://${state.domain}/api/v2/`,
    clients,
    expireTokens: () => expireTokens(state, now()),
    setRateLimit: (rl) => rateLimit.set(rl),
    addTenantConnection: (c) => addTenantConnection(state, c),
    addOrganization: (o) => addOrganization(state, o),
    addSelfServiceProfile: (p) => addSelfServiceProfile(state, p, now()),
  };
}
