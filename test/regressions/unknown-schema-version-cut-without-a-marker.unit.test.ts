// Regression (found while pinning every problem text, issue 13): an unknown schema_version that is not a
// string or a number (an array, an object) was quoted as its JSON cut at 20 characters with nothing to say it
// was cut: [1,2,3,4,5,6,7,8,9,10,11] read as "[1,2,3,4,5,6,7,8,9,1", a value the producer never sent. It now
// ends as a long string does, with "…" and the length of the whole.
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/contract/index.ts';

const problemFor = (versionJson: string) => {
  const m = parseMessage({
    topic: 'signals.outcome',
    value: `{"signal_id":"s","occurred_at":"2026-01-05T10:00:00Z","outcome":"expired","schema_version":${versionJson}}`,
    key: null,
    source: { type: 'file', file: 'x.ndjson', line: 1, topic: 'signals.outcome', key: null },
  });
  return m.ok ? null : m.problems[0]?.message;
};

describe('an unknown schema_version longer than 20 characters of JSON', () => {
  it('is cut with a marker and its length, whatever its type', () => {
    expect(problemFor('[1,2,3,4,5,6,7,8,9,10,11]')).toBe('unknown schema_version [1,2,3,4,5,6,7,8,9,1… (25 characters); this ledger reads 1');
    expect(problemFor('{"version":"twenty-two"}')).toBe('unknown schema_version {"version":"twenty-t… (24 characters); this ledger reads 1');
    expect(problemFor(JSON.stringify('v'.repeat(21)))).toBe(`unknown schema_version "${'v'.repeat(20)}"… (21 characters); this ledger reads 1`);
  });

  it('is given whole up to 20 characters', () => {
    expect(problemFor('[1,2,3,4,5,6,7,8,91]')).toBe('unknown schema_version [1,2,3,4,5,6,7,8,91]; this ledger reads 1');
    expect(problemFor('true')).toBe('unknown schema_version true; this ledger reads 1');
  });
});
