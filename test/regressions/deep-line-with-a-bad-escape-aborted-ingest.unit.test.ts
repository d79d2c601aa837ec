// Found in review: a file line too deep to parse whole, with a bad escape in a key or string, made the
// deep-line path throw a SyntaxError that nothing caught, so the whole ingest stopped on that line, every run.
import { describe, expect, it } from 'vitest';
import { isUnreadableLine, readEventLine } from '../../src/ingest/index.ts';

const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;

describe('a line nested deeper than the limit with a bad escape', () => {
  it.each([
    ['in a key', `{"to\\q":"signals.generated","value":${deep}}`],
    ['in the topic', `{"topic":"signals.gen\\qerated","value":${deep}}`],
  ])('%s is an unreadable line, not a throw', (_where, line) => {
    const m = readEventLine(line, 'f.ndjson', 7);
    expect(m.ok).toBe(false);
    expect(isUnreadableLine(m)).toBe(true);
    if (!m.ok) expect(m.problems[0]?.message).toMatch(/^line 7 /);
  });

  it('a real topic named "unknown" is not taken for an unreadable line', () => {
    const m = readEventLine('{"topic":"unknown","value":{}}', 'f.ndjson', 1);
    expect(m.ok).toBe(false);
    expect(isUnreadableLine(m)).toBe(false);
  });
});
