// Regression (found while pinning every problem text, issue 13): a message without a required field got zod's
// wording for a wrong type, about a value the producer never sent: "Invalid input: expected string, received
// undefined", "expected a decimal (a JSON number or a decimal string), got undefined", or for a missing side
// "Invalid option: expected one of "buy"|"sell"". An operator reading dead_letters had to know that
// "undefined" meant absent. A field that is not there is now reported as "required, but missing"; the
// contract's own rules keep their reasons (a rejection without its reason says it is required when passed is false).
import { describe, expect, it } from 'vitest';
import { parseMessage, type Problem } from '../../src/contract/index.ts';

const at = '2026-01-05T10:00:00Z';
const problems = (topic: string, value: unknown): Problem[] => {
  const m = parseMessage({ topic, value: JSON.stringify(value), key: null, source: { type: 'file', file: 'x.ndjson', line: 1, topic, key: null } });
  if (m.ok) throw new Error('expected a dead letter');
  return m.problems;
};

describe('a required field that is absent', () => {
  it('is "required, but missing" for a string, a decimal and a choice alike', () => {
    expect(problems('signals.generated', { signal_id: 's', occurred_at: at, strategy_name: 'm', confidence: 0.5, sharpe_estimate: 1, entry_price: 150 })).toEqual([
      { path: '$.symbol', message: 'required, but missing' },
      { path: '$.side', message: 'required, but missing' },
    ]);
    expect(problems('orders.filled', { signal_id: 's', occurred_at: at, order_id: 'o', price: '150' })).toEqual([{ path: '$.quantity', message: 'required, but missing' }]);
  });

  it('is told apart from a value of the wrong type, null included', () => {
    expect(problems('orders.filled', { signal_id: 's', occurred_at: at, order_id: 'o', price: '150', quantity: null })).toEqual([
      { path: '$.quantity', message: 'expected a decimal (a JSON number or a decimal string), got null' },
    ]);
    expect(problems('orders.filled', { signal_id: 7, occurred_at: at, order_id: 'o', price: '150', quantity: '1' })).toEqual([
      { path: '$.signal_id', message: 'Invalid input: expected string, received number' },
    ]);
  });

  it('keeps the contract\'s reason when a rule of its own needs the field', () => {
    expect(problems('signals.risk', { signal_id: 's', occurred_at: at, passed: false })).toEqual([
      { path: '$.rejection_reason', message: 'required when passed is false, and not blank' },
    ]);
  });
});
