import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * pino JSON logs. Secrets are kept in `Secret` (serialises as `[redacted]`); redaction by key is
 * the second line of defence for anything that slips into a log object.
 *
 * The redaction is a walk over the logged object's keys against a set, not pino's `redact`
 * option: @pinojs/redact parses every path on every line, which measured 86 µs per proxied read
 * (two lines) with these keys, more than the rest of the request's logging; this walk costs a
 * few µs and copies only the objects it changes.
 */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'authorization',
  'apikey',
  'api_key',
  'x-api-key',
  'clientsecret',
  'client_secret',
  'adminkey',
  'credentials',
  'password',
  'secret',
  'access_token',
  'refresh_token',
  'key',
  'token',
]);

const CENSOR = '[redacted]';
const MAX_DEPTH = 6;

const isPlain = (v: unknown): v is Record<string, unknown> => {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/** `value` with every property named in SECRET_KEYS (any case, any depth up to MAX_DEPTH) censored; unchanged objects are returned as they are. */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    value.forEach((item, i) => {
      const r = redactSecrets(item as unknown, depth + 1);
      if (r !== item) (out ??= [...value])[i] = r;
    });
    return (out ?? value) as T;
  }
  if (!isPlain(value)) return value;
  let out: Record<string, unknown> | null = null;
  for (const k in value) {
    const v = value[k];
    const r =
      SECRET_KEYS.has(k.toLowerCase()) && v !== undefined && v !== null
        ? CENSOR
        : redactSecrets(v, depth + 1);
    if (r !== v) (out ??= { ...value })[k] = r;
  }
  return (out ?? value) as T;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'plugboard' },
    // Every logged object goes through it. (A child's bindings do not: pino formats those only for
    // the root; the gateway binds ids alone.)
    formatters: { log: (o: Record<string, unknown>) => redactSecrets(o) },
  };
  if (destination) return pino(options, destination);
  // Standard output, written synchronously, a few KiB at a time: one write per line was a system
  // call per request. Whatever is buffered is written at least every FLUSH_MS and when the process
  // exits (a stop, a failure); a process killed outright (SIGKILL) loses at most that much.
  const out = pino.destination({ dest: 1, sync: true, minLength: BUFFER_BYTES, periodicFlush: FLUSH_MS });
  process.once('exit', () => {
    try {
      out.flushSync();
    } catch {
      // Standard output is gone: nothing can be written anyway.
    }
  });
  return pino(options, out);
}

const BUFFER_BYTES = 4096;
const FLUSH_MS = 100;

/**
 * The same logger for lines whose fields are all fixed by the gateway (the access line: method,
 * route, path, status, duration, the upstream attempt's provider, path and status): it skips the
 * walk for secret-named keys, a share of a proxied read's logging cost, as nothing in such a line
 * can carry a secret.
 */
export function accessLogger(logger: Logger): Logger {
  return logger.child({}, { formatters: { log: (o: object) => o } });
}
