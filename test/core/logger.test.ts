import { describe, expect, it } from 'vitest';
import { createLogger, redactSecrets } from '../../src/logger.js';
import { captureLogs } from '../helpers/logs.js';

const CANARY = 'canary-7f3a-should-never-be-logged';

describe('log redaction', () => {
  it('censors secret keys at any depth and in any case, in arrays too, and leaves the rest as it was', () => {
    const input = {
      msg: 'x',
      apiKey: CANARY,
      nested: { Authorization: `Bearer ${CANARY}`, headers: { 'x-api-key': CANARY, accept: 'json' } },
      list: [{ client_secret: CANARY }, { fine: 1 }],
      credentials: { password: CANARY },
      count: 3,
    };
    const out = redactSecrets(input);
    expect(JSON.stringify(out)).not.toContain(CANARY);
    expect(out).toMatchObject({
      msg: 'x',
      apiKey: '[redacted]',
      nested: { Authorization: '[redacted]', headers: { 'x-api-key': '[redacted]', accept: 'json' } },
      list: [{ client_secret: '[redacted]' }, { fine: 1 }],
      credentials: '[redacted]',
      count: 3,
    });
    // The logged object itself is not changed, and what needs no change is not copied.
    expect(input.apiKey).toBe(CANARY);
    const clean = { a: { b: [1, 2] } };
    expect(redactSecrets(clean)).toBe(clean);
  });

  it('a pino line never holds a secret given under a secret key, from the root or a child logger', () => {
    const logs = captureLogs();
    logs.logger
      .child({ request_id: 'r1' })
      .info({ upstream: { headers: { authorization: CANARY } }, secret: CANARY }, 'hello');
    logs.logger.warn({ config: { providers: [{ apiKey: CANARY, clientSecret: CANARY }] } }, 'bad config');
    expect(logs.text()).not.toContain(CANARY);
    expect(logs.parsed()[0]).toMatchObject({
      msg: 'hello',
      request_id: 'r1',
      secret: '[redacted]',
      upstream: { headers: { authorization: '[redacted]' } },
    });
  });

  it('createLogger writes JSON lines at its level and above, each naming the service', () => {
    const lines: string[] = [];
    const logger = createLogger('warn', {
      write: (l: string) => {
        lines.push(l);
      },
    });
    logger.info('dropped');
    logger.warn({ n: 1 }, 'kept');
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 40, service: 'plugboard', n: 1, msg: 'kept' }),
    ]);
  });
});
