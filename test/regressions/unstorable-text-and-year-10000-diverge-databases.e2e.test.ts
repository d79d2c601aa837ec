// Regression: `\u0000` or a lone surrogate in a string, or a timestamp such as
// 9999-12-31T23:59:59-01:00 that is in year 10000 once its offset is applied, passed the contract.
// SQLite stored them; PostgreSQL refused them and aborted the whole batch, so the two databases
// diverged. Now each such message is a dead letter on both, and the rest of the file is applied alike.
import { describe, expect, it } from 'vitest';
import { ingestFile, listRecords } from '../helpers/cli.ts';
import { freshDatabases } from '../helpers/databases.ts';
import { eventLine, generatedValue, riskValue } from '../helpers/events.ts';
import { scratchDir, writeLines } from '../helpers/scratch.ts';
import { readDeadLetters, type StoredDeadLetter } from '../helpers/stored-rows.ts';

const work = scratchDir('unstorable-text');
const generated = (id: string, fields: string) =>
  `{"signal_id":"${id}","occurred_at":"2026-01-05T14:30:00Z","strategy_name":"momentum","symbol":"AAPL","side":"buy","confidence":0.8,"sharpe_estimate":1.5,"entry_price":"150.25"${fields}}`;
// written as JSON text, so the escapes reach the ledger as escapes
const hostile: Record<string, string> = {
  'sig-nul': eventLine('signals.generated', 'sig-nul', generated('sig-nul', ',"metadata":{"note":"a\\u0000b"}')),
  'sig-surrogate': eventLine('signals.generated', 'sig-surrogate', generated('sig-surrogate', ',"metadata":{"note":"\\ud800"}')),
  'sig-surrogate-key': eventLine('signals.generated', 'sig-surrogate-key', generated('sig-surrogate-key', ',"metadata":{"\\udc00x":1}')),
  // a value given as a JSON string: the envelope's escape \ud83d makes a real lone surrogate in it
  'sig-surrogate-string': `{"topic":"signals.generated","key":"sig-surrogate-string","value":${JSON.stringify(
    generated('sig-surrogate-string', ',"metadata":{"note":"XX"}'),
  ).replace('XX', '\\ud83d')}}`,
  'sig-year-10000': eventLine('signals.generated', 'sig-year-10000', generatedValue('sig-year-10000', { occurred_at: '9999-12-31T23:59:59-01:00' })),
  'sig-expires-10000': eventLine('signals.generated', 'sig-expires-10000', generatedValue('sig-expires-10000', { expires_at: '9999-12-31T23:30:00-00:45' })),
  'sig-a:risk': eventLine('signals.risk', 'sig-a', '{"signal_id":"sig-a","occurred_at":"2026-01-05T14:30:01Z","passed":false,"rejection_reason":"limit\\u0000","event_id":"sig-a:risk"}'),
};
const lines = [
  eventLine('signals.generated', 'sig-a', generatedValue('sig-a')),
  ...Object.values(hostile),
  eventLine('signals.generated', 'sig-b', generatedValue('sig-b', { occurred_at: '9999-12-31T23:59:59+01:00', metadata: { note: 'é ☃ 𝄞' } })),
  eventLine('signals.risk', 'sig-b', riskValue('sig-b')),
];
const file = writeLines(work, 'unstorable.ndjson', lines);
const hostileLines = Object.values(hostile).map((_, i) => i + 2);

const results = new Map<string, { records: Record<string, unknown>[]; deadLetters: StoredDeadLetter[] }>();

describe.each(['sqlite-file', 'postgresql'] as const)('ingest of unstorable text and year-10000 timestamps on %s', (kind) => {
  const fresh = freshDatabases(kind);

  it('each such line is a dead letter and the other lines are applied', async () => {
    const db = await fresh();
    const r = ingestFile(db.url, file, { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary).toMatchObject({ read: lines.length, applied: 3, dead_letters: hostileLines.length });
    const deadLetters = await readDeadLetters(db.url);
    expect(deadLetters.map((d) => d.source)).toEqual(hostileLines.map((n) => `${file}:${n}`));
    for (const d of deadLetters) expect(d.problems.length, d.source).toBeGreaterThan(0);
    const problemOf = (signal: string) => deadLetters.find((d) => d.signalId === signal)?.problems.map((p) => `${p.path} ${p.message}`).join('; ');
    expect(problemOf('sig-year-10000')).toMatch(/^\$\.occurred_at .*9999-12-31T23:59:59\.999999Z/);
    expect(problemOf('sig-expires-10000')).toMatch(/^\$\.expires_at /);
    const records = listRecords(db.url, work);
    expect(records.map((s) => s.signal_id)).toEqual(['sig-b', 'sig-a']);
    expect(records.find((s) => s.signal_id === 'sig-a')?.status).toBe('generated');
    results.set(kind, { records, deadLetters });
  });
});

describe('the same file on SQLite and PostgreSQL', () => {
  it('gives the same records and the same dead letters', () => {
    const sqlite = results.get('sqlite-file');
    const postgres = results.get('postgresql');
    expect(sqlite).toBeDefined();
    expect(postgres).toEqual(sqlite);
  });
});
