// The benchmark protocol's reader of a benchmark's output (scripts/bench-protocol.ts): every figure the decisions of
// docs/benchmarks.md rest on is read from the tables and lines bench:ingest and bench:worker print. The tables are
// printed here by the benchmarks' own printTable; their headers and the lines of figures are copied from
// scripts/bench-ingest.ts and scripts/bench-worker.ts (which run when imported), so a change of wording there needs
// one here.
import { describe, expect, it } from 'vitest';
import { CPU_COST_HEADER, printTable } from '../../scripts/bench-common.ts';
import { median } from '../../scripts/bench-common.ts';
import { figuresOf } from '../../scripts/bench-protocol.ts';

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
  it('reads bench:ingest: its three tables by store and column, (c), (e), the least a parse path does and that least with the decimals as written and the timestamp, the floors of PostgreSQL and SQLite alone (both also in as many transactions as (a), PostgreSQL from a client over one and two connections) and (a) against each, the time of SQLite calls in (a), the CPU time an event of (a) on PostgreSQL by thread and process, how busy the event loop of Node was in (a) and the CPU an event of PostgreSQL in (a) against its own COPY of the same rows, and the peak RSS', () => {
    const output = [
      'signal-ledger ingest benchmark: 200000 events (10% duplicates, 5% out of order, 1% bad), batches of 1000',
      '',
      '(c) parse only (each NDJSON line read and parsed, as ingest does): 63232 ev/s',
      '(e) parse + validate of each message\'s bytes: 103416 msg/s, against UTF-8 decoding + JSON.parse of the same bytes: 861800 msg/s = 12.0% (target at least 25%)',
      '(e) the least a parse path that keeps the contract does (UTF-8 decoding, JSON.parse, the compiled JSON Schema check, canonical JSON and sha256 of the content): 248225 msg/s = 36.0% of the same',
      "(e) the same least and the decimals' source text and occurred_at's stored form, which the contract also asks: 190221 msg/s = 22.1% of the same",
      '',
      table(['store', '(a) applyBatch ev/s', '(b) naive ORM ev/s', '(c) parse only ev/s', 'a/b', 'a/c', '(d) file ingest ev/s', 'd/c'], [
        ['sqlite', '25889', '415 (first 4000)', '49384', '62.4x', '52%', '13564', '27%'],
        ['postgresql', '26553', '232 (first 4000)', '49384', '114.5x', '54%', '17164', '35%'],
      ]).trimEnd(),
      '(a) parsed messages through applyBatch in batches of 1,000, on PostgreSQL in 2 lanes split by signal; (d) reading, parsing and applying the NDJSON file',
      'SQLite alone writing the same rows once (INSERT ... SELECT of (a)\'s audit and final signal rows into empty indexed tables, a committed transaction each): 153416 ev/s = 311% of (c); (a) is 16.9% of it',
      "SQLite alone in (a)'s transactions (the same rows in 200 committed transactions, each the next share of the audit and signal rows, the store's automatic checkpoints): 56915 ev/s = 17.6 us an event; (a) takes 38.6 us an event, and half of (c) would leave it 40.5, 43% of which SQLite alone takes",
      "(a) again with each SQLite call timed: 27.3 us an event inside SQLite (writes 24.9, reads 2.4), 18.2 in the rest of the thread (this run 21978 ev/s); half of (c) would leave (a) 40.5, 67% of which SQLite's calls take",
      'PostgreSQL alone writing the same rows once (server-side INSERT ... SELECT of (a)\'s audit and final signal rows into empty indexed tables): 110178 ev/s = 223% of (c); (a) is 24.1% of it (target at least 50%)',
      "PostgreSQL alone in (a)'s transactions from a client (COPY of the same rows' text, in 51 committed transactions): over one connection 57529 ev/s = 17.4 us an event, 52.2% of the server-side floor, 96% of the time an event the target (50% of that floor) leaves (a); two side by side 63683 ev/s = 15.7 us an event, 57.8% of the server-side floor, 87% of the time an event the target (50% of that floor) leaves (a); (a) is 41.7% of the two",
      "(a) on PostgreSQL, CPU time an event: Node's main thread 22.3 us, V8's helper threads (the garbage collector beside it) 7.3, Node's other threads 0.1, PostgreSQL 22.8, all four 52.5 us; 1.47 of 2 cores busy; at the target's rate the 2 cores give 36.3 us an event",
      "(a) on PostgreSQL: Node's event loop busy 73% of the run, its main thread on a core 58%; PostgreSQL's CPU an event 22.8 us, against 19.1 us when it copies the same rows alone over two connections (1.19x)",
      '',
      'the same file ingested again into the same store (every event a duplicate, nothing changes), against (d), its first ingest (target at least 1.5x):',
      table(['store', '(d) first ev/s', 'again ev/s', 'again / first'], [['sqlite', '13564', '40100', '2.96x']]).trimEnd(),
      '',
      '(d) at each --batch-size; the default (1000) against the best (target at least 90%):',
      table(['store', '250 ev/s', '1000 (default) ev/s', '4000 ev/s', 'default / best'], [['postgresql', '15000', '17164', '16000', '100%']]).trimEnd(),
      '',
      'peak RSS of `signal-ledger ingest` on a 1000000-line file into SQLite: 204 MB (1000000 events in 85 s)',
    ].join('\n');
    const figures = figuresOf(output);
    expect(Object.fromEntries(figures)).toEqual({
      '(c) parse only ev/s': 63232,
      '(e) parse + validate msg/s': 103416,
      '(e) UTF-8 + JSON.parse msg/s': 861800,
      '(e) parse / (UTF-8 + JSON.parse) %': 12,
      '(e) least msg/s': 248225,
      '(e) least / (UTF-8 + JSON.parse) %': 36,
      '(e) least with decimals and timestamp msg/s': 190221,
      '(e) least with decimals and timestamp / (UTF-8 + JSON.parse) %': 22.1,
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
      "PostgreSQL alone in (a)'s transactions, one connection ev/s": 57529,
      "PostgreSQL alone in (a)'s transactions, one connection, share of the target's time %": 96,
      "PostgreSQL alone in (a)'s transactions, two connections ev/s": 63683,
      "PostgreSQL alone in (a)'s transactions, two connections, share of the target's time %": 87,
      "postgresql: (a) / PostgreSQL alone in (a)'s transactions, two connections %": (100 * 26553) / 63683,
      "(a) on PostgreSQL, Node's main thread us/event": 22.3,
      "(a) on PostgreSQL, V8's helper threads us/event": 7.3,
      "(a) on PostgreSQL, Node's other threads us/event": 0.1,
      '(a) on PostgreSQL, PostgreSQL us/event': 22.8,
      '(a) on PostgreSQL, CPU in all us/event': 52.5,
      '(a) on PostgreSQL, cores busy': 1.47,
      "(a) on PostgreSQL, CPU an event the cores give at the target's rate us": 36.3,
      "(a) on PostgreSQL, Node's event loop busy %": 73,
      "(a) on PostgreSQL, Node's main thread on a core %": 58,
      "PostgreSQL alone in (a)'s transactions, two connections, PostgreSQL us/event": 19.1,
      "(a) on PostgreSQL, PostgreSQL's CPU against its COPY alone": 1.19,
      'SQLite alone ev/s': 153416,
      'sqlite: (a) / SQLite alone %': (100 * 25889) / 153416,
      "SQLite alone in (a)'s transactions ev/s": 56915,
      "SQLite alone in (a)'s transactions us/event": 17.6,
      "half of (c) left to (a), us/event": 40.5,
      "SQLite alone in (a)'s transactions, share of half (c)'s time %": 43,
      'SQLite calls in (a), us/event': 27.3,
      'SQLite writes in (a), us/event': 24.9,
      'SQLite reads in (a), us/event': 2.4,
      'timed run outside SQLite calls, us/event': 18.2,
      "SQLite calls in (a), share of half (c)'s time %": 67,
      "sqlite: (a) / SQLite alone in (a)'s transactions %": (100 * 25889) / 56915,
      'sqlite: (d) first ev/s': 13564,
      'sqlite: again ev/s': 40100,
      'sqlite: again / first': 2.96,
      'postgresql: 250 ev/s': 15000,
      'postgresql: 1000 (default) ev/s': 17164,
      'postgresql: 4000 ev/s': 16000,
      'postgresql: default / best': 100,
      'peak RSS MB': 204,
      'peak RSS run s': 85,
    });
  });

  it('reads bench:worker: p50 / p99 cells as two figures, the ceiling before and after, bare consumption, and the CPU time an event by run', () => {
    const output = [
      table(['store', '(a) worker ev/s', '(a) p50/p99 ms', '(b) naive eachMessage ev/s', '(c) consume + parse ev/s', 'a/b', 'a/c'], [
        ['postgresql', '14001', '29483 / 33932', '162 (first 3000)', '32146', '86.2x', '44%'],
      ]).trimEnd(),
      '(c) consumes and parses/validates every message, no database: the mean of 35032 ev/s before the database runs and 29260 ev/s after them (p50/p99 produce-to-parsed ms before: 3 / 9); bare consumption without parsing: 339111 ev/s.',
      '',
      'CPU time an event, from the first message to the last, by process (/proc; this benchmark runs the worker or the consumer in it; other: the rest of the machine):',
      table(['run', ...CPU_COST_HEADER], [['(a) postgresql', '1.61 of 2', '49.6', '30.6', '3.6', '0.0', '83.8', '23866']]).trimEnd(),
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
      '(a) postgresql: cores busy': 1.61,
      '(a) postgresql: this benchmark (node) us/ev': 49.6,
      '(a) postgresql: postgres us/ev': 30.6,
      '(a) postgresql: broker (java) us/ev': 3.6,
      '(a) postgresql: other us/ev': 0,
      '(a) postgresql: all us/ev': 83.8,
      '(a) postgresql: cores / all, ev/s': 23866,
    });
  });

  it('reads the costs table by variant, without the count of spans in its name, and the RSS runs of the worker, the default one and the one with capped malloc arenas apart', () => {
    const output = [
      'costs on PostgreSQL (200000 messages each; reference: the worker with neither, run first and last, mean 14000 ev/s):',
      table(['variant', 'ev/s', 'cost (throughput)', 'cost (measured directly)'], [
        ['reference, first', '14100', '', ''],
        ['lag sampling every 5 s', '13900', '0.7%', '0.31 ms per sample: 0.006% of a core'],
        ['tracing off', '(the reference)', '', '3.9 ns per slice (inSpan without a tracer 3.1 ns, the call alone 0.8 ns) at 3.5 slices/s: 0.000001%'],
        ['tracing on (412 spans exported)', '13300', '5.0%', ''],
      ]).trimEnd(),
      '',
      'peak RSS of `signal-ledger worker` consuming all 200000 messages into SQLite: 389 MB (18 s)',
      'peak RSS of the same with MALLOC_ARENA_MAX=2, run second: 281 MB (17 s)',
    ].join('\n');
    expect(Object.fromEntries(figuresOf(output))).toEqual({
      'reference, first: ev/s': 14100,
      'lag sampling every 5 s: ev/s': 13900,
      'lag sampling every 5 s: cost (throughput)': 0.7,
      'lag sampling every 5 s: cost (measured directly)': 0.31,
      'tracing off: cost (measured directly)': 3.9,
      'tracing on: ev/s': 13300,
      'tracing on: cost (throughput)': 5,
      'peak RSS MB': 389,
      'peak RSS run s': 18,
      'peak RSS, capped malloc arenas MB': 281,
      'peak RSS, capped malloc arenas run s': 17,
    });
  });

  it('reads no row outside a table whose header begins with "store", "variant" or "run"', () => {
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
