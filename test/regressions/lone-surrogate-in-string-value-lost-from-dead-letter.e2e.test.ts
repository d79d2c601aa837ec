// Regression: a file line whose `value` is a JSON string holding a lone surrogate escape (`\ud83d`,
// `\ud800`) became a dead letter whose raw value was base64 of the value's UTF-8, in which every lone
// surrogate had become U+FFFD (EF BF BD). The raw no longer was the message, and two messages that
// differed only in their lone surrogate got the same raw, the same dedupe key (a hash of topic, raw and
// problems) and so a single dead letter: the second one was lost. Now such a raw is kept losslessly (as
// `json:` and the JSON text of the value). This file proves, on SQLite and PostgreSQL, that the two
// messages are two dead letters and that neither raw value has a U+FFFD the message did not have.
import { describe, expect, it } from 'vitest';
import { ingestFile } from '../helpers/cli.ts';
import { freshDatabases } from '../helpers/databases.ts';
import { scratchDir, writeLines } from '../helpers/scratch.ts';
import { readDeadLetters } from '../helpers/stored-rows.ts';

const work = scratchDir('lone-surrogate-raw');
/** A line whose value is a JSON string; `escape` is put in the note as written (an escape of the envelope). */
const stringValueLine = (signalId: string, escape: string) =>
  `{"topic":"signals.generated","key":"${signalId}","value":${JSON.stringify(
    `{"signal_id":"${signalId}","occurred_at":"2026-01-05T14:30:00Z","strategy_name":"momentum","symbol":"AAPL","side":"buy","confidence":0.8,"sharpe_estimate":1.5,"entry_price":"150.25","metadata":{"note":"XX"}}`,
  ).replace('XX', escape)}}`;
const file = writeLines(work, 'lone-surrogates.ndjson', [stringValueLine('sig-s', '\\ud83d'), stringValueLine('sig-s', '\\ud800')]);

describe.each(['sqlite-file', 'postgresql'] as const)('ingest of string values with lone surrogates on %s', (kind) => {
  const fresh = freshDatabases(kind);

  it('two different messages are two dead letters, and neither raw value has a U+FFFD the message did not have', async () => {
    const db = await fresh();
    const r = ingestFile(db.url, file, { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary).toMatchObject({ read: 2, applied: 0, dead_letters: 2 });
    const dead = await readDeadLetters(db.url);
    const decoded = dead.map((d) => (d.rawValue?.startsWith('base64:') ? Buffer.from(d.rawValue.slice(7), 'base64').toString('utf8') : d.rawValue));
    expect(dead.map((d) => d.source)).toEqual([`${file}:1`, `${file}:2`]);
    for (const raw of decoded) expect(raw).not.toContain('\uFFFD');
  });
});
