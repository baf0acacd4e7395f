import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * pino JSON logs. Secrets are kept in `Secret` (serialises as `[redacted]`); these redact paths
 * are the second line of defence for anything that slips into a log object.
 */
export const REDACT_PATHS = [
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'req.headers.authorization',
  'apiKey', '*.apiKey', 'clientSecret', '*.clientSecret', 'adminKey', '*.adminKey',
  'credentials', '*.credentials', 'password', '*.password', 'secret', '*.secret', 'access_token', '*.access_token',
  'client_secret', '*.client_secret', 'api_key', '*.api_key', 'key', '*.key',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'plugboard' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
