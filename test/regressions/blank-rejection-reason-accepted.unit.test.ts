// Regression (found while pinning the risk rules, issue 13): the contract requires a rejection_reason when
// passed is false, and the check refused only a missing, null or empty one. A reason of spaces or line
// breaks was accepted, and the report's rejection reasons grouped such rejections under a blank. A reason
// must now hold something other than white space (trimmed only for this check: it is stored as sent).
import { describe, expect, it } from 'vitest';
import { parseMessage, type ParsedMessage } from '../../src/contract/index.ts';

const risk = (rejection_reason: string, passed = false): ParsedMessage =>
  parseMessage({
    topic: 'signals.risk',
    value: JSON.stringify({ signal_id: 's', occurred_at: '2026-01-05T10:00:00Z', passed, rejection_reason }),
    key: null,
    source: { type: 'file', file: 'x.ndjson', line: 1, topic: 'signals.risk', key: null },
  });

describe('a risk rejection whose reason is only white space', () => {
  it.each([' ', '   ', '\t', '\n\r', '\u00a0', '\u2003'])('%j is a dead letter at $.rejection_reason', (reason) => {
    const m = risk(reason);
    expect(m.ok).toBe(false);
    expect(!m.ok && m.problems).toEqual([{ path: '$.rejection_reason', message: 'required when passed is false, and not blank' }]);
  });

  it('a reason with white space around it is kept as sent', () => {
    const m = risk('  max position  ');
    expect(m.ok && m.event.kind === 'risk' && m.event.rejectionReason).toBe('  max position  ');
  });

  it('a blank reason on a passed check is not a rule the contract has: accepted', () => {
    expect(risk(' ', true).ok).toBe(true);
  });
});
