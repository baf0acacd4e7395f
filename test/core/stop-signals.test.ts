import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { onStopSignals, signalExitCode, type SignalSource } from '../../src/stop-signals.js';

describe('onStopSignals', () => {
  it('the first SIGTERM or SIGINT stops, the second is ignored, every later one forces', () => {
    const source = new EventEmitter();
    const seen: string[] = [];
    onStopSignals(
      {
        stop: (s) => seen.push(`stop ${s}`),
        ignored: (s) => seen.push(`ignored ${s}`),
        forced: (s) => seen.push(`forced ${s}`),
      },
      source as SignalSource,
    );
    source.emit('SIGTERM', 'SIGTERM');
    expect(seen).toEqual(['stop SIGTERM']);
    source.emit('SIGINT', 'SIGINT');
    expect(seen).toEqual(['stop SIGTERM', 'ignored SIGINT']);
    source.emit('SIGINT', 'SIGINT');
    source.emit('SIGTERM', 'SIGTERM');
    expect(seen).toEqual(['stop SIGTERM', 'ignored SIGINT', 'forced SIGINT', 'forced SIGTERM']);
    // Other signals are not its business.
    source.emit('SIGHUP', 'SIGHUP');
    expect(seen).toHaveLength(4);
  });
});

describe('signalExitCode', () => {
  it('is 128 + the signal number, as a shell reports a process ended by it', () => {
    expect(signalExitCode('SIGINT')).toBe(130);
    expect(signalExitCode('SIGTERM')).toBe(143);
  });
});
