import { pino, type Logger, type DestinationStream } from 'pino';

/** Keys whose values never reach a log line, wherever they sit in a logged object. */
const SECRET_PATHS = [
  'password',
  'secret',
  'pass',
  'credential',
  'auth.pass',
  'config.password',
  '*.password',
  '*.secret',
  '*.pass',
];

export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? process.env.MAILWRIGHT_LOG_LEVEL ?? 'info',
      redact: { paths: SECRET_PATHS, censor: '[secret]' },
      base: { pid: process.pid },
    },
    opts.destination ?? pino.destination(2),
  );
}
