import { Hono, type Context } from 'hono';
import { listen, type Listening } from '../net.js';
import { answerErrors } from './errors.js';
import { SimulatorKit, type SimEnv } from './kit.js';
import { readStateFile, writeStateFile } from './state-file.js';

/** A provider simulator served on loopback: the kit's middleware and `/__sim` routes around the provider's own. */

export type SimApp = Hono<SimEnv>;
export type SimContext = Context<SimEnv>;

export interface SimulatorOptions {
  port?: number | undefined;
  host?: string | undefined;
  /**
   * JSON file holding the simulator's state: loaded at start when present, rewritten after every
   * successful change. Lets the sandbox keep its simulated providers across restarts.
   */
  stateFile?: string | undefined;
}

/** What a provider brings to `startSimulator`. */
export interface SimulatorParts<S> {
  /** The state of a start with nothing to restore: plain JSON data only. */
  fresh(): S;
  /** The state in today's shape from a state file's JSON, whichever version of the simulator wrote it. */
  restore(saved: unknown): S;
  /** Adds the provider's routes over the live state (errors thrown as `SimulatorError` are answered as JSON). */
  routes(app: SimApp, state: S, kit: SimulatorKit): void;
}

export interface RunningSimulator<S> extends Listening {
  kit: SimulatorKit;
  /** The simulator's in-memory state, for tests that must look behind the API. */
  state: S;
}

/** Builds the Hono app around the provider's routes and serves it on loopback. */
export async function startSimulator<S>(
  parts: SimulatorParts<S>,
  opts: SimulatorOptions = {},
): Promise<RunningSimulator<S>> {
  const kit = new SimulatorKit();
  const app: SimApp = new Hono<SimEnv>();
  app.onError(answerErrors());
  app.use('*', kit.middleware());
  const file = opts.stateFile;
  if (file) {
    app.use('*', async (c, next) => {
      await next();
      if (c.req.method !== 'GET' && c.res.status < 400) writeStateFile(file, state);
    });
  }
  app.route('/__sim', kit.controlRoutes());
  const state = (file ? readStateFile(file, (saved) => parts.restore(saved)) : undefined) ?? parts.fresh();
  parts.routes(app, state, kit);
  if (file) writeStateFile(file, state);
  const listening = await listen(app.fetch, { host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
  // A simulator has no work worth waiting long for; clients' spare keep-alive connections (which
  // never carried a request, so Node does not count them idle) are closed after a short grace.
  const close = (graceMs = 100): Promise<void> => {
    const closing = listening.close(graceMs);
    kit.release();
    kit.releaseStalls();
    return closing;
  };
  return { ...listening, close, kit, state };
}
