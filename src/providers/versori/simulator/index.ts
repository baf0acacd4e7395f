import { startSimulator, type RunningSimulator } from '../../../simulator/server.js';
import { writeStateFile } from '../../../simulator/state-file.js';
import { VERSORI_API_BASE_PATH } from '../api-types.js';
import type { SimulatorStartOptions } from '../../definition.js';
import type { SimExchange } from './exchanges.js';
import { newOAuthFlows } from './oauth.js';
import { routes } from './routes.js';
import { freshState, restoreState, type VersoriSimState } from './state.js';

/**
 * An in-memory Versori Switchboard (v1alpha1), connections subset, faithful to the published
 * OpenAPI document: the API lives under `/api/switchboard/v1alpha1` (the path of the production
 * server URL), so an adapter's `baseUrl` is `<url>/api/switchboard/v1alpha1`.
 *
 * - `Authorization` carries the API key, bare (the spec's apiKey scheme) or as `Bearer <key>`
 *   (Versori's auth guide); anything else is 401.
 * - Create answers 201, get/list/put 200, delete 200 `{ id }`; errors are `{ code, message }`.
 * - Secrets (`data`) are checked against their `ConnectionData*` variant and never returned (only
 *   `credentialId`). The state keeps only their fingerprint, so a state file holds no secret.
 * - PUT replaces name and data together (`UpdateConnectionRequestBody` requires both): a PUT without
 *   `data`, or with `data: null`, is 400 and changes nothing.
 * - Lists page with `first` (default 20) / `after` / `before` cursors, or, with `ignorePaging`,
 *   answer every item the way the spec says Switchboard currently does.
 * - connection-init answers a redirect for an OAuth2 authorization-code App (to a simulated
 *   third-party authorize page, then Switchboard's public callback, which creates the connection)
 *   and a form for any other (oauth.ts).
 *
 * Its answers where Versori's documents are silent are listed in `docs/providers/versori.md`.
 */

export const VERSORI_SIM_DEFAULT_API_KEY = 'versori-sim-key';

export interface VersoriSimulatorOptions extends SimulatorStartOptions {
  /** The API key callers must send (default `versori-sim-key`). */
  apiKey?: string | undefined;
  /** Seed the demo organisation and its connection when no state was restored. */
  seedDemo?: boolean | undefined;
  /** Answer lists with every item, ignoring `first`/`after`/`before` (Switchboard's current behaviour). */
  ignorePaging?: boolean | undefined;
  /** Keep each API request with its answer in `exchanges` (tests validate them against the spec). */
  recordExchanges?: boolean | undefined;
  /** The clock (ms since the epoch) the OAuth2 flow's `state` and code expire by (default `Date.now`). */
  now?: (() => number) | undefined;
}

export interface VersoriSimulator extends RunningSimulator<VersoriSimState> {
  apiKey: string;
  /** `<url>/api/switchboard/v1alpha1`: what a provider entry's `baseUrl` should be. */
  baseUrl: string;
  /** Switches that tests may flip at run time. */
  behaviour: { ignorePaging: boolean };
  /** Filled only with `recordExchanges`. */
  exchanges: SimExchange[];
}

export async function startVersoriSimulator(opts: VersoriSimulatorOptions = {}): Promise<VersoriSimulator> {
  const apiKey = opts.apiKey ?? VERSORI_SIM_DEFAULT_API_KEY;
  const behaviour = { ignorePaging: opts.ignorePaging ?? false };
  const exchanges: SimExchange[] = [];
  const stateFile = opts.stateFile;
  const sim = await startSimulator<VersoriSimState>(
    {
      fresh: () => freshState(opts.seedDemo ?? false),
      restore: restoreState,
      routes: (app, state) =>
        routes(app, {
          state,
          apiKey,
          behaviour,
          exchanges: opts.recordExchanges ? exchanges : null,
          flows: newOAuthFlows(),
          now: opts.now ?? Date.now,
          persist: () => {
            if (stateFile) writeStateFile(stateFile, state);
          },
        }),
    },
    { port: opts.port, host: opts.host, stateFile: opts.stateFile },
  );
  return { ...sim, apiKey, baseUrl: `${sim.url}${VERSORI_API_BASE_PATH}`, behaviour, exchanges };
}
