import { startSimulator, type RunningSimulator } from '../../../simulator/server.js';
import { DEFAULT_BEHAVIOUR, routes, type LeenSimBehaviour } from './routes.js';
import { freshState, restoreState, type LeenSimState } from './state.js';

/**
 * A Leen provisioning API on loopback: organizations, connections, connection tests and jobs, OnRamp
 * invite tokens, with Leen's status codes and FastAPI error bodies (docs/providers/leen.md).
 *
 * What it takes from Leen's docs: the vendor enum; the credential shapes Leen publishes (checked,
 * other keys ignored as FastAPI models do by default); `credentials` required except for OAuth2
 * vendors; the documented option keys; PATCH of `credentials`/`identifier`/`state` only; 200 with
 * the connection on create and delete; 422 on malformed UUIDs.
 *
 * What it decides where Leen is silent (each can be switched where a test needs the other case):
 * - PATCH without `state` sets ACTIVE, as one published revision documents (`omittedPatchState`,
 *   or `'unchanged'`).
 * - Lists are `?limit=&offset=` with `{items, total}` (`listTotal: 'null' | 'absent'` drops it);
 *   jobs live at `…/connections/{id}/jobs`, newest first.
 * - OAuth2 vendors (and SNYK without an API key) start PENDING with an `oauth2_authorize_url` on
 *   this simulator's consent page, and with health UNAUTHORIZED (the least helpful answer Leen could
 *   give, so the gateway is tested against it); approving makes them ACTIVE and HEALTHY.
 * - Other new connections are ACTIVE and HEALTHY.
 * - Credentials are never stored: only a fingerprint (to compare) and whether the credential test
 *   should fail (any value containing `invalid`), so state files hold no secret.
 * - Delete is soft (state DELETED, then 404 and absent from lists).
 * - OnRamp invite tokens (`POST …/connection-invite-tokens`) are honoured on Create and Update
 *   Connection in place of the API key; the state keeps a fingerprint of each, never the token.
 *   `GET /onramp?token=…` stands in for Leen's OnRamp component. What tokens and that page assume
 *   where Leen is silent: tokens.ts, onramp.ts (and on the page itself).
 */

export interface LeenSimulatorOptions {
  port?: number | undefined;
  host?: string | undefined;
  stateFile?: string | undefined;
  /** The only `X-API-KEY` accepted. */
  apiKey?: string | undefined;
  /** Seed the demo organization when the state has none (never over restored data). */
  seedDemo?: boolean | undefined;
  behaviour?: Partial<LeenSimBehaviour> | undefined;
  /** The clock invite tokens expire on (default the real one; tests move theirs). */
  now?: (() => number) | undefined;
}

export interface LeenSimulator extends RunningSimulator<LeenSimState> {
  behaviour: LeenSimBehaviour;
}

export const LEEN_SIM_DEFAULT_API_KEY = 'leen-sim-key';

export async function startLeenSimulator(opts: LeenSimulatorOptions = {}): Promise<LeenSimulator> {
  const apiKey = opts.apiKey ?? LEEN_SIM_DEFAULT_API_KEY;
  const behaviour: LeenSimBehaviour = { ...DEFAULT_BEHAVIOUR, ...opts.behaviour };
  const seed = opts.seedDemo ?? false;
  const sim = await startSimulator<LeenSimState>(
    {
      fresh: () => freshState(seed),
      restore: (saved) => restoreState(saved, seed),
      routes: (app, state) => routes(app, { state, apiKey, behaviour, now: opts.now ?? Date.now }),
    },
    { port: opts.port, host: opts.host, stateFile: opts.stateFile },
  );
  return { ...sim, behaviour };
}
