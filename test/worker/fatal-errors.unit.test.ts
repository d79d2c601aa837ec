// The lines a worker logs when an error stops it (src/worker/fatal-errors.ts).
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ErrorCode, LedgerError } from '../../src/errors.ts';
import { logFatalError } from '../../src/worker/fatal-errors.ts';

function logged(error: unknown): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  logFatalError(pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) }), error);
  return lines;
}

describe('logFatalError', () => {
  it('strict mode: one error line per message that broke the contract, with its topic, partition, offset and problems', () => {
    const problems = [{ path: 'signal_id', message: 'required, but missing' }];
    const error = new LedgerError(ErrorCode.ContractViolation, 'contract violation', {
      messages: [{ where: { topic: 'signals.risk', partition: 1, offset: '42' }, problems }, { where: { topic: 'orders.filled', partition: 0, offset: '7' }, problems }],
    });
    const lines = logged(error);
    expect(lines.map((l) => [l.level, l.topic, l.partition, l.offset, l.problems])).toEqual([
      [50, 'signals.risk', 1, '42', problems],
      [50, 'orders.filled', 0, '7', problems],
    ]);
    expect(lines[0]?.msg).toBe('contract violation in strict mode (--on-invalid stop): the worker stops; this offset is not committed');
  });

  it('any other error: one error line with the error, saying no offset past stored data was committed', () => {
    const lines = logged(new Error('permission denied for table signals'));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe(50);
    expect(lines[0]?.msg).toBe('worker stopped: an error that retrying cannot fix; no offset past stored data was committed');
    expect(JSON.stringify(lines[0]?.error)).toContain('permission denied for table signals');
  });
});
