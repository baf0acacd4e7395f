import type { CallContext, ReplaceModelAdapter } from '../../../src/core/adapter.js';
import { versoriProvider } from '../../../src/providers/versori/definition.js';
import {
  startVersoriSimulator,
  type VersoriSimulator,
} from '../../../src/providers/versori/simulator/index.js';
import { VERSORI_SIM_PAGE_PATHS } from '../../../src/providers/versori/simulator/oauth.js';
import { addOrganisation } from '../../../src/providers/versori/simulator/state.js';
import { asReplace, buildAdapter } from '../../helpers/adapters.js';
import type { CapturedLogs } from '../../helpers/logs.js';
import type { SwitchboardSpec } from './spec.js';

/**
 * A Versori simulator on a loopback port with an adapter pointed at it through `baseUrl`, a
 * captured pino log, and a spec check of every request the simulator received and every answer
 * it gave (`specProblems()`, called after each test).
 */
export interface Harness {
  sim: VersoriSimulator;
  adapter: ReplaceModelAdapter;
  logs: CapturedLogs;
  ctx: CallContext;
  orgId: string;
  /** Problems of the requests and answers since the last call (validated against the spec). */
  specProblems(): string[];
  close(): Promise<void>;
}

export const TEST_ORG = 'org-test-101';

export async function startHarness(
  spec: SwitchboardSpec,
  opts: { apiKey?: string; ignorePaging?: boolean; now?: () => number } = {},
): Promise<Harness> {
  const apiKey = opts.apiKey ?? 'versori-test-key';
  const sim = await startVersoriSimulator({
    apiKey,
    recordExchanges: true,
    ignorePaging: opts.ignorePaging,
    now: opts.now,
  });
  addOrganisation(sim.state, TEST_ORG, 'Test organisation');
  const { adapter, logs } = buildAdapter(versoriProvider, {
    id: 'versori',
    type: 'versori',
    apiKey,
    baseUrl: sim.baseUrl,
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
  });

  const specProblems = specChecker(spec, sim);

  return {
    sim,
    adapter: asReplace(adapter),
    logs,
    ctx: { requestId: 'req-versori-test' },
    orgId: TEST_ORG,
    specProblems,
    close: () => sim.close(),
  };
}

/**
 * Checks every request the simulator received and every answer it gave since the last call
 * against the published spec; returns the problems. Needs a simulator started with `recordExchanges`.
 * The simulator's own pages for browsers (the simulated OAuth2 provider's authorize page, the
 * result page) are not Switchboard's API and are not checked.
 */
export function specChecker(spec: SwitchboardSpec, sim: VersoriSimulator): () => string[] {
  let requestsSeen = 0;
  let exchangesSeen = 0;
  /** Auth type of each connection seen in any answer, to pick the `data` variant of a PUT. */
  const authTypes = new Map<string, string>();
  return () => {
    for (const ex of sim.exchanges) {
      const body = ex.responseBody as
        | { id?: unknown; authType?: unknown; items?: Array<{ id?: unknown; authType?: unknown }> }
        | undefined;
      for (const c of [body, ...(body?.items ?? [])]) {
        if (typeof c?.id === 'string' && typeof c.authType === 'string') authTypes.set(c.id, c.authType);
      }
    }
    const problems: string[] = [];
    for (const req of sim.kit.requests.slice(requestsSeen)) {
      if (VERSORI_SIM_PAGE_PATHS.includes(req.path)) continue;
      const id = /\/connections\/([^/]+)$/.exec(req.path)?.[1];
      problems.push(
        ...spec.checkRequest(req, id === undefined ? undefined : authTypes.get(decodeURIComponent(id))),
      );
    }
    for (const ex of sim.exchanges.slice(exchangesSeen)) problems.push(...spec.checkResponse(ex));
    requestsSeen = sim.kit.requests.length;
    exchangesSeen = sim.exchanges.length;
    return problems;
  };
}
