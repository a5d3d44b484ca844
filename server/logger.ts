import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths that may carry secrets anywhere in a logged object: censored, never written.
 * Adapters and routes must not log credentials at all; this is the net under that rule.
 */
const redact = [
  'password',
  'token',
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'autoAuthKey',
  'apiKey',
  'secret',
  'authorization',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.access_token',
  '*.refresh_token',
  '*.autoAuthKey',
  '*.apiKey',
  '*.secret',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

export function createLogger(options: { level: string; format: 'json' | 'pretty' }, destination?: pino.DestinationStream): Logger {
  const base = { level: options.level, redact: { paths: redact, censor: '[redacted]' } };
  if (destination) return pino(base, destination);
  if (options.format === 'pretty') {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } });
  }
  return pino(base);
}
