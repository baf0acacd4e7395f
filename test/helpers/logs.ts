import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createLogger } from '../../src/logger.js';

export interface CapturedLogs {
  logger: pino.Logger;
  /** Each JSON line written so far. */
  lines: string[];
  parsed(): Array<Record<string, unknown>>;
  text(): string;
}

/**
 * A logger whose lines are kept in memory, for asserting on log output (and on what it never holds).
 * By default it is the gateway's own logger (createLogger: its redaction of secret-named keys
 * included); `raw` gives a plain pino logger without that second line of defence, for tests that
 * prove a secret never reached a log call at all.
 */
export function captureLogs(level = 'debug', opts: { raw?: boolean } = {}): CapturedLogs {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = opts.raw ? pino({ level }, stream) : createLogger(level, stream);
  return {
    logger,
    lines,
    parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    text: () => lines.join('\n'),
  };
}
