// The benchmark protocol's reader of a benchmark's output (scripts/bench-protocol.ts): every figure the decisions of
// docs/benchmarks.md rest on is read from the tables and lines bench:ingest and bench:worker print.
import { describe, expect, it } from 'vitest';
import { printTable } from '../../scripts/bench-common.ts';
import { figuresOf, median } from '../../scripts/bench-protocol.ts';

/** What printTable writes, as text. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const write = process.stdout.write;
  let out = '';
  process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
  try {
    printTable(header, rows);
  } finally {
    process.stdout.write = write;
  }
  return out;
}

describe('figuresOf', () => {
  it('reads bench:ingest: its three tables by store and column, (c), (e), the PostgreSQL floor and its ratio, and the peak RSS', () => {
    const output = [
      'signal-ledger ingest benchmark: 200000 events (10% duplicates, 5% out of order, 1% bad), batches of 1000',
      '',
      '(c) parse only (each NDJSON line read and parsed, as ingest does): 63232 ev/s',
      '(e) parse + validate of each message\'s bytes: 103416 msg/s, against UTF-8 decoding + JSON.parse of the same bytes: 861800 msg/s = 12.0% (target at least 25%)',
      '',
      table(['store', '(a) applyBatch ev/s', '(b) naive ORM ev/s', '(c) parse only ev/s', 'a/b', 'a/c', '(d) file ingest ev/s', 'd/c'], [
        ['sqlite', '25889', '415 (first 4000)', '49384', '62.4x', '52%', '13564', '27%'],
        ['postgresql', '26553', '232 (first 4000)', '49384', '114.5x', '54%', '17164', '35%'],
      ]).trimEnd(),
      '(a) parsed messages through applyBatch in batches of 1,000, on PostgreSQL in 2 lanes split by signal; (d) reading, parsing and applying the NDJSON file',
      'PostgreSQL alone writing the same rows once (server-side INSERT ... SELECT of (a)\'s audit and final signal rows into empty indexed tables): 110178 ev/s = 223% of (c)',
      '',
      'the same file ingested again into the same store (every event a duplicate, nothing changes), against (d), its first ingest (target at least 1.5x):',
      table(['store', '(d) first ev/s', 'again ev/s', 'again / first'], [['sqlite', '13564', '40100', '2.96x']]).trimEnd(),
      '',
      'peak RSS of `signal-ledger ingest` on a 1000000-line file into SQLite: 204 MB (1000000 events in 85 s)',
    ].join('\n');
    const figures = figuresOf(output);
    expect(Object.fromEntries(figures)).toEqual({
      '(c) parse only ev/s': 63232,
      '(e) parse + validate msg/s': 103416,
      '(e) UTF-8 + JSON.parse msg/s': 861800,
      '(e) parse / (UTF-8 + JSON.parse) %': 12,
      'sqlite: (a) applyBatch ev/s': 25889,
      'sqlite: (b) naive ORM ev/s': 415,
      'sqlite: (c) parse only ev/s': 49384,
      'sqlite: a/b': 62.4,
      'sqlite: a/c': 52,
      'sqlite: (d) file ingest ev/s': 13564,
      'sqlite: d/c': 27,
      'postgresql: (a) applyBatch ev/s': 26553,
      'postgresql: (b) naive ORM ev/s': 232,
      'postgresql: (c) parse only ev/s': 49384,
      'postgresql: a/b': 114.5,
      'postgresql: a/c': 54,
      'postgresql: (d) file ingest ev/s': 17164,
      'postgresql: d/c': 35,
      'PostgreSQL alone ev/s': 110178,
      'postgresql: (a) / PostgreSQL alone %': (100 * 26553) / 110178,
      'sqlite: (d) first ev/s': 13564,
      'sqlite: again ev/s': 40100,
      'sqlite: again / first': 2.96,
      'peak RSS MB': 204,
    });
  });

  it('reads bench:worker: p50 / p99 cells as two figures, and the ceiling before and after, and bare consumption', () => {
    const output = [
      table(['store', '(a) worker ev/s', '(a) p50/p99 ms', '(b) naive eachMessage ev/s', '(c) consume + parse ev/s', 'a/b', 'a/c'], [
        ['postgresql', '14001', '29483 / 33932', '162 (first 3000)', '32146', '86.2x', '44%'],
      ]).trimEnd(),
      '(c) consumes and parses/validates every message, no database: the mean of 35032 ev/s before the database runs and 29260 ev/s after them (p50/p99 produce-to-parsed ms before: 3 / 9); bare consumption without parsing: 339111 ev/s.',
    ].join('\n');
    expect(Object.fromEntries(figuresOf(output))).toEqual({
      'postgresql: (a) worker ev/s': 14001,
      'postgresql: (a) p50/p99 ms (first)': 29483,
      'postgresql: (a) p50/p99 ms (second)': 33932,
      'postgresql: (b) naive eachMessage ev/s': 162,
      'postgresql: (c) consume + parse ev/s': 32146,
      'postgresql: a/b': 86.2,
      'postgresql: a/c': 44,
      '(c) consume + parse before ev/s': 35032,
      '(c) consume + parse after ev/s': 29260,
      'bare consumption ev/s': 339111,
    });
  });

  it('reads no row outside a table whose header begins with "store"', () => {
    expect(figuresOf('sqlite  123  456\n')).toEqual(new Map());
  });
});

describe('median', () => {
  it.each([
    { xs: [3, 1, 2], m: 2 },
    { xs: [4, 1, 3, 2], m: 2.5 },
    { xs: [7], m: 7 },
  ])('of $xs is $m', ({ xs, m }) => expect(median(xs)).toBe(m));
});
