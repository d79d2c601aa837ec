// Found in review: the failure classifier matched its lost-connection words against every error message,
// including a strict-mode CONTRACT_VIOLATION, whose message quotes producers' text. An event_id such as
// "terminating connection" made the violation "retry", and the worker retried it forever instead of exiting 4.
import { describe, expect, it } from 'vitest';
import { ContractError, classifyFailure } from '../../src/errors.ts';

describe('a strict-mode violation quoting words of a lost connection', () => {
  it('stops, whatever the producer wrote', () => {
    const error = ContractError.violation([{ source: 'signals.risk/0@1', where: {}, problems: [{ path: '$.event_id', message: 'event_id "terminating connection" already belongs to signal "Connection terminated unexpectedly"' }] }]);
    expect(classifyFailure(error)).toBe('stop');
  });
});
