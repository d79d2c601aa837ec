import type { Logger } from 'pino';

/**
 * Keys whose values are secrets, or may hold one (a database URL, a connection string, TLS settings with
 * their keys), wherever a log line nests them. Not `key`: a Kafka message key is no secret, and a log
 * line naming a bad message's key must show it.
 */
const SECRET_KEYS = ['password', 'sasl', 'ssl', 'sslkey', 'sslpassword', 'passphrase', 'databaseUrl', 'dbUrl', 'clientUrl', 'connectionString'];

/**
 * JSON log lines (pino is loaded on use, so commands that do not log stay light) on stdout; anything that
 * looks like a secret is censored whatever the caller logs. Lines are written synchronously: the worker
 * runs in a worker thread, which ends as soon as it reports, and pino flushes an asynchronous destination
 * on exit only in the main thread, so its last lines (why the worker stopped) could be lost. `mixin` adds
 * fields to every line (the active trace's ids, when tracing is on).
 */
export async function createLogger(level: string, destination?: { write(line: string): void }, mixin?: () => object): Promise<Logger> {
  const { pino } = await import('pino');
  return pino({
    level,
    base: { service: 'signal-ledger' },
    ...(mixin === undefined ? {} : { mixin }),
    redact: {
      // pino's "*" is one level: the keys at the top and up to three levels down
      paths: SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]),
      censor: '***',
    },
  }, destination ?? pino.destination({ dest: 1, sync: true }));
}
