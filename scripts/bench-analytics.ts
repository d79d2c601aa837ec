// npm run bench:analytics: fills PostgreSQL and SQLite with BENCH_ANALYTICS_SIGNALS (default 1,000,000)
// signals spread over 2025 (the event generator's mix, loaded as the apply path would write them), plus a
// store of the first 10,000 signals of the same stream (same density: its days look like the big store's),
// and prints in one run, per analytics call, the median time for one day, one month and the whole year on
// both stores, and the time of the naive version (load the window's rows, compute in Node) on the year.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import { Analytics } from '../src/analytics/index.ts';
import { generateEvents } from '../src/simulate/generate-events.ts';
import { kyselyOf, openStore, RECORD_COLUMNS, runSql, type SignalRecord, type Store, toSignalRecord } from '../src/store/index.ts';
import { loadSignals } from './analytics-loader.ts';
import * as naive from './analytics-naive.ts';
import { freshDatabase, printTable } from './bench-common.ts';

const N = Number(process.env.BENCH_ANALYTICS_SIGNALS ?? 1_000_000);
const SMALL = Number(process.env.BENCH_ANALYTICS_SMALL ?? 10_000);
const STORES = (process.env.BENCH_ANALYTICS_STORES ?? 'postgresql,sqlite').split(',') as ('postgresql' | 'sqlite')[];
const YEAR_START = Date.parse('2025-01-01T00:00:00Z');
const YEAR_MS = 365 * 86_400_000;
const WINDOWS = {
  day: { from: '2025-01-02', to: '2025-01-03' },
  month: { from: '2025-01-01', to: '2025-02-01' },
  year: { from: '2025-01-01', to: '2026-01-01' },
} as const;
type WindowName = keyof typeof WINDOWS;

/** The analytics calls, each with its naive twin over the loaded records (or dead-letter rows). */
const CALLS: { name: string; sql: (a: Analytics, w: (typeof WINDOWS)[WindowName]) => Promise<unknown>; naive: (records: SignalRecord[], deadLetters: { id: number; topic: string | null }[]) => unknown }[] = [
  { name: 'getExecutionStats', sql: (a, w) => a.getExecutionStats(w), naive: (r) => naive.executionStats(r, {}) },
  { name: 'getRejectionSummary', sql: (a, w) => a.getRejectionSummary(w), naive: (r) => naive.rejectionSummary(r, {}) },
  { name: 'getStrategyAttribution', sql: (a, w) => a.getStrategyAttribution(w), naive: (r) => naive.groups(r, {}, 'strategy') },
  { name: 'getSymbolBreakdown', sql: (a, w) => a.getSymbolBreakdown(w), naive: (r) => naive.groups(r, {}, 'symbol') },
  { name: 'getTimeSeries (day)', sql: (a, w) => a.getTimeSeries({ ...w, bucket: 'day' }), naive: (r) => naive.groups(r, {}, 'day') },
  { name: 'getSlippageDistribution', sql: (a, w) => a.getSlippageDistribution(w), naive: (r) => naive.slippageSpread(r, {}, 'strategy') },
  { name: 'getAnomalies', sql: (a, w) => a.getAnomalies(w), naive: (r) => naive.anomalies(r, {}, 100) },
  { name: 'getDeadLetters', sql: (a, w) => a.getDeadLetters(w), naive: (_r, d) => naive.deadLetters(d, 100) },
];

/** The record columns the naive versions read. */
const NAIVE_FIELDS = new Set<keyof SignalRecord>([
  'signalId', 'strategyName', 'symbol', 'status', 'strength', 'qualityScore', 'generatedAt', 'firstEventAt', 'riskCheckedAt', 'submittedAt', 'firstFillAt',
  'executedAt', 'riskCheckPassed', 'rejectionReason', 'orderQuantity', 'executedPrice', 'executedQuantity', 'fees', 'slippage', 'slippageBps', 'anomalies',
]);

/** Placeholders and values of a window's bounds (midnight UTC of its dates). */
function bounds(store: Store, w: (typeof WINDOWS)[WindowName]): { from: string; to: string; values: string[] } {
  const [from, to] = store.dialect === 'postgresql' ? ['$1::timestamptz', '$2::timestamptz'] : ['?', '?'];
  return { from, to, values: [`${w.from}T00:00:00.000000Z`, `${w.to}T00:00:00.000000Z`] };
}

async function loadRecords(store: Store, w: (typeof WINDOWS)[WindowName]): Promise<SignalRecord[]> {
  const pg = store.dialect === 'postgresql';
  const list = RECORD_COLUMNS.filter((c) => NAIVE_FIELDS.has(c.property as keyof SignalRecord))
    .map((c) => (pg && c.kind === 'timestamp' ? `to_char("${c.name}" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "${c.name}"` : `"${c.name}"`))
    .join(', ');
  const b = bounds(store, w);
  const rows = await runSql<Record<string, unknown>>(kyselyOf(store), `select ${list} from "signals" where "version" > 0 and "effective_at" >= ${b.from} and "effective_at" < ${b.to}`, b.values);
  return rows.map(toSignalRecord);
}

/** Every dead letter received in the window, whole (the call returns the newest with their problems). */
async function loadDeadLetters(store: Store, w: (typeof WINDOWS)[WindowName]): Promise<{ id: number; topic: string | null }[]> {
  const b = bounds(store, w);
  const rows = await runSql<Record<string, unknown>>(
    kyselyOf(store),
    `select "id", "received_at", "source", "topic", "partition", "offset", "message_key", "raw_value", "problems" from "dead_letters" where "received_at" >= ${b.from} and "received_at" < ${b.to}`,
    b.values,
  );
  return rows.map((r) => ({ ...r, id: Number(r.id), topic: (r.topic as string | null) ?? null, problems: typeof r.problems === 'string' ? JSON.parse(r.problems) : r.problems }));
}

/** Median of `runs` timed calls after one untimed warm-up, in ms. */
async function timed(fn: () => Promise<unknown>, runs = 3): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((x, y) => x - y)[Math.floor(runs / 2)] as number;
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

const dir = mkdtempSync(path.join(tmpdir(), 'signal-ledger-bench-analytics-'));
const opened: { store: Store; drop: () => Promise<void> }[] = [];
try {
  const stores: Record<string, { big: Store; small: Store }> = {};
  for (const kind of STORES) {
    const big = await freshDatabase(kind, dir, `analytics_${kind}_big`);
    const small = await freshDatabase(kind, dir, `analytics_${kind}_small`);
    const s = { big: await openStore({ dbUrl: big.url }), small: await openStore({ dbUrl: small.url }) };
    opened.push({ store: s.big, drop: big.drop }, { store: s.small, drop: small.drop });
    stores[kind] = s;
  }
  const bar = new SingleBar({ format: `loading {value}/{total} signals into ${STORES.join(' and ')} [{bar}] {percentage}% {eta_formatted}`, hideCursor: true });
  const t0 = performance.now();
  bar.start(N, 0);
  const lines = generateEvents({ signals: N, duplicates: 0, outOfOrder: 0, bad: 0.01, seed: 2025, start: new Date(YEAR_START), spacingMs: YEAR_MS / N });
  await loadSignals(lines, STORES.flatMap((k) => [{ store: stores[k]?.big as Store, limit: Infinity }, { store: stores[k]?.small as Store, limit: SMALL }]), (n) => bar.update(n));
  bar.stop();
  for (const { store } of opened) await store.em().getConnection().execute(store.dialect === 'postgresql' ? 'vacuum analyze' : 'analyze');
  process.stdout.write(`\nsignal-ledger analytics benchmark: ${N} signals over 2025 and a store of the first ${SMALL} (same density), loaded in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  process.stdout.write(`windows: day ${WINDOWS.day.from}, month ${WINDOWS.month.from}..${WINDOWS.month.to}, year 2025; times are medians of 3 after a warm-up; naive = load the year's rows and compute in Node (1 run)\n`);

  for (const kind of STORES) {
    const { big, small } = stores[kind] as { big: Store; small: Store };
    const aBig = Analytics.fromStore(big);
    const aSmall = Analytics.fromStore(small);
    const rows: string[][] = [];
    let records: SignalRecord[] | null = null;
    let loadMs = 0;
    for (const call of CALLS) {
      const t: Record<string, number> = {};
      for (const w of Object.keys(WINDOWS) as WindowName[]) {
        t[`big_${w}`] = await timed(() => call.sql(aBig, WINDOWS[w]));
        t[`small_${w}`] = await timed(() => call.sql(aSmall, WINDOWS[w]));
      }
      if (records === null) {
        const l0 = performance.now();
        records = await loadRecords(big, WINDOWS.year);
        loadMs = performance.now() - l0;
      }
      let naiveMs: number;
      if (call.name === 'getDeadLetters') {
        const d0 = performance.now();
        call.naive([], await loadDeadLetters(big, WINDOWS.year));
        naiveMs = performance.now() - d0;
      } else {
        const c0 = performance.now();
        call.naive(records, []);
        naiveMs = loadMs + (performance.now() - c0);
      }
      rows.push([
        call.name,
        fmt(t.big_day as number),
        fmt(t.big_month as number),
        fmt(t.big_year as number),
        fmt(t.small_day as number),
        fmt(t.small_year as number),
        fmt(naiveMs),
        `${(naiveMs / (t.big_year as number)).toFixed(1)}x`,
        `${((t.big_day as number) / (t.small_day as number)).toFixed(2)}x`,
      ]);
    }
    records = null;
    process.stdout.write(`\n${kind} (naive load of the year's ${N} rows: ${fmt(loadMs)})\n`);
    printTable(['call', `${N / 1e6}M day`, `${N / 1e6}M month`, `${N / 1e6}M year`, `${SMALL / 1e3}k day`, `${SMALL / 1e3}k all`, 'naive year', 'naive / SQL year', 'day 1M / 10k'], rows);
  }
  process.stdout.write('\ntargets: naive / SQL year >= 20x for every call; day 1M / 10k <= 3x\n');
} finally {
  for (const { store, drop } of opened) {
    await store.close();
    await drop();
  }
  rmSync(dir, { recursive: true, force: true });
}
