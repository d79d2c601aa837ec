// Regression: the logger's redaction listed each secret key at the top level and one level down only,
// so a configuration logged whole (config.kafka.sasl.password, config.kafka.ssl.key) went out in clear.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/cli/logger.ts';

describe('log lines', () => {
  it('censor passwords, keys and database URLs nested up to four levels deep', async () => {
    const lines: string[] = [];
    const logger = await createLogger('info', { write: (line) => lines.push(line) });
    logger.info({ databaseUrl: 'Lg0', config: { databaseUrl: 'Lg1', kafka: { sasl: { password: 'Lg2' }, ssl: { key: 'Lg3' } } }, a: { b: { c: { password: 'Lg4' } } } }, 'starting');
    expect(lines.join('')).not.toMatch(/Lg\d/);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ databaseUrl: '***', config: { databaseUrl: '***', kafka: { sasl: '***', ssl: '***' } } });
  });
});
