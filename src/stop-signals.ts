import { constants } from 'node:os';

/** What a process receives signals from (`process`, or an emitter in tests). */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface StopHandlers {
  /** The first SIGTERM or SIGINT: the clean stop. */
  stop(signal: NodeJS.Signals): unknown;
  /** The second, while stopping: to be logged and ignored. */
  ignored(signal: NodeJS.Signals): void;
  /** The third and any later one: the process may end at once. */
  forced(signal: NodeJS.Signals): void;
}

/**
 * SIGTERM and SIGINT start one clean stop. A stop sent to `npm start`'s process group (Ctrl+C in a
 * terminal, an orchestrator, `kill -TERM -<pgid>`) reaches node twice, directly and forwarded by
 * npm, so the second signal must not end the process (Node's default action would, were no listener
 * left): it is ignored. One more (a second Ctrl+C) is the caller insisting: `forced`.
 */
export function onStopSignals(handlers: StopHandlers, source: SignalSource = process): void {
  let count = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    count += 1;
    if (count === 1) handlers.stop(signal);
    else if (count === 2) handlers.ignored(signal);
    else handlers.forced(signal);
  };
  source.on('SIGTERM', onSignal);
  source.on('SIGINT', onSignal);
}

/** The exit code of a process ended by `signal` (the shell's convention: 130 for SIGINT, 143 for SIGTERM). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}
