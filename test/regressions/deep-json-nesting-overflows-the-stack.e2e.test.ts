// Regression: file ingest of JSON nested a few thousand levels deep overflowed the stack (recursive
// walks of the parsed value), and metadata of that shape that did get stored later crashed
// `signals get` and `signals list --json`. Now a value nested deeper than 64 levels is a dead letter,
// found without recursion, and the rest of the file is applied.
import { describe, expect, it } from 'vitest';
import { ingestFile, runCli } from '../helpers/cli.ts';
import { freshDatabases } from '../helpers/databases.ts';
import { eventLine, generatedValue, riskValue } from '../helpers/events.ts';
import { scratchDir, writeLines } from '../helpers/scratch.ts';
import { readDeadLetters } from '../helpers/stored-rows.ts';

const work = scratchDir('deep-nesting');
const nested = (depth: number, open: string, inner: string, close: string) => `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
const valueText = (signalId: string, extra: string) =>
  `{"signal_id":"${signalId}","occurred_at":"2026-01-05T14:30:00Z","strategy_name":"momentum","symbol":"AAPL","side":"buy","confidence":0.8,"sharpe_estimate":1.5,"entry_price":"150.25",${extra}}`;
const deep = {
  // metadata nested 5,000 levels deep, an object value in the line
  2: eventLine('signals.generated', 'sig-meta-5000', valueText('sig-meta-5000', `"metadata":${nested(5000, '{"m":', '1', '}')}`)),
  // the same as a value given as a JSON string
  3: eventLine('signals.generated', 'sig-string-5000', JSON.stringify(valueText('sig-string-5000', `"metadata":${nested(5000, '{"m":', '1', '}')}`))),
  // a field of the value nested 100,000 levels deep
  4: eventLine('signals.generated', 'sig-value-100000', valueText('sig-value-100000', `"extra":${nested(100_000, '[', '0', ']')}`)),
  // just over the limit, in a short line: metadata is level 2, so 64 more levels make 66
  5: eventLine('signals.generated', 'sig-meta-66', valueText('sig-meta-66', `"metadata":${nested(64, '{"m":', '1', '}')}`)),
};
const file = writeLines(work, 'deep.ndjson', [
  eventLine('signals.generated', 'sig-a', generatedValue('sig-a', { metadata: JSON.parse(nested(60, '{"m":', '1', '}')) })),
  ...Object.values(deep),
  eventLine('signals.generated', 'sig-b', generatedValue('sig-b')),
  eventLine('signals.risk', 'sig-b', riskValue('sig-b')),
]);

describe.each(['sqlite-file', 'postgresql'] as const)('ingest of deeply nested JSON on %s', (kind) => {
  const fresh = freshDatabases(kind);

  it('the deep lines are dead letters, the rest is applied, and signals get and signals list --json work afterwards', async () => {
    const db = await fresh();
    const r = ingestFile(db.url, file, { cwd: work });
    // 2 when a line counts as unreadable: a long deep line is refused before its envelope is read
    expect([0, 2], r.stderr).toContain(r.code);
    expect(r.summary).toMatchObject({ read: 7, applied: 3, dead_letters: 4 });
    const dead = await readDeadLetters(db.url);
    expect(dead.map((d) => d.source)).toEqual(Object.keys(deep).map((n) => `${file}:${n}`));
    for (const d of dead) expect(d.problems.map((p) => p.message).join('; '), d.source).toMatch(/nested deeper than 64 levels/);

    const got = runCli(['--db', db.url, 'signals', 'get', 'sig-a', '--json', '--audit'], { cwd: work });
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ signal_id: 'sig-a', status: 'generated' });
    const list = runCli(['--db', db.url, 'signals', 'list', '--json'], { cwd: work });
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { signal_id: string }[]).map((s) => s.signal_id).sort()).toEqual(['sig-a', 'sig-b']);
    expect(runCli(['--db', db.url, 'signals', 'get', 'sig-meta-5000'], { cwd: work }).code).toBe(3);
  });
});
