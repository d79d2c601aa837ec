import type { Logger } from 'pino';

/** JSON log lines (pino is loaded on use, so commands that do not log stay light) on stdout; anything that looks like a secret is censored whatever the caller logs. */
export async function createLogger(level: string, destination?: { write(line: string): void }): Promise<Logger> {
  const { pino } = await import('pino');
  return pino({
    level,
    base: { service: 'signal-ledger' },
    redact: {
      paths: ['password', '*.password', 'sasl', '*.sasl', 'ssl', '*.ssl', 'databaseUrl', '*.databaseUrl', 'key', '*.key'],
      censor: '***',
    },
  }, destination ?? pino.destination(1));
}
