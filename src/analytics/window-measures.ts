import { InputError } from '../errors.ts';
import { addMeasures, type AggregateSlot, aggregatesFor, ExactAggregates, kyselyOf, type Measures, measureSql, rangeClause, runSql, SqlParams, SQLITE_MEASURES_INDEX, type Store, timeParam } from '../store/index.ts';
import { canonicalDecimal, rankOf, sortDecimals } from '../numeric/index.ts';

/**
 * What analytics look at: a half-open range [from, to) on generated_at (first_event_at while a
 * signal's details have not arrived), optionally one strategy and one symbol.
 */
export interface SignalWindow {
  from?: Date | string;
  to?: Date | string;
  strategy?: string;
  symbol?: string;
}

/** What signals are grouped by: strategy, symbol, or the UTC hour or day of generated_at. */
export type GroupBy = 'strategy' | 'symbol' | 'hour' | 'day';

/**
 * The WHERE conditions of a window. `requireEvents` keeps to records with at least one event; a query
 * on a column only such records have (a latency, a slippage) leaves it out, so it reads its index alone.
 */
export function windowWhere(params: SqlParams, window: SignalWindow, alias = '', requireEvents = true): string[] {
  for (const key of ['strategy', 'symbol'] as const) {
    const v = window[key];
    if (v !== undefined && (typeof v !== 'string' || v === '')) throw InputError.invalid(key, `must be a non-empty string (got ${JSON.stringify(v)})`);
  }
  const p = alias ? `${alias}.` : '';
  const where = [...(requireEvents ? [`${p}"version" > 0`] : []), ...rangeClause(params, window.from, window.to, alias, ['from', 'to'])];
  if (window.strategy !== undefined) where.push(`${p}"strategy_name" = ${params.add(window.strategy)}`);
  if (window.symbol !== undefined) where.push(`${p}"symbol" = ${params.add(window.symbol)}`);
  return where;
}

/** The SQL of a group's key over signals rows. */
export function groupKeySql(store: Store, by: GroupBy): string {
  switch (by) {
    case 'strategy':
      return '"strategy_name"';
    case 'symbol':
      return '"symbol"';
    case 'hour':
    case 'day':
      return aggregatesFor(store.dialect).bucket('"effective_at"', by);
    default:
      throw InputError.invalid('by', `must be strategy, symbol, hour or day (got ${JSON.stringify(by)})`);
  }
}

/** The same key over rollup rows (which have no hours). */
function rollupKeySql(by: Exclude<GroupBy, 'hour'>): string {
  return by === 'strategy' ? `nullif("strategy_name", '')` : by === 'symbol' ? `nullif("symbol", '')` : `"day" || 'T00:00:00Z'`;
}

const MIDNIGHT = 'T00:00:00.000000Z';
const nextDay = (day: string): string => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/**
 * A window cut into whole UTC days [fromDay, toDay) (undefined: unbounded), read from the rollups, and
 * at most two partial days before and after, read from the rows. `days` is null when no whole day fits.
 */
export interface WindowSplit {
  days: { fromDay?: string; toDay?: string } | null;
  rows: { from?: string; to?: string }[];
}

export function splitWindow(fromGiven: Date | string | undefined, toGiven: Date | string | undefined): WindowSplit {
  const from = fromGiven === undefined ? undefined : timeParam(fromGiven, 'from');
  const to = toGiven === undefined ? undefined : timeParam(toGiven, 'to');
  const fromDay = from === undefined ? undefined : from.endsWith(MIDNIGHT) ? from.slice(0, 10) : nextDay(from.slice(0, 10));
  const toDay = to?.slice(0, 10);
  if (fromDay !== undefined && toDay !== undefined && fromDay >= toDay) return { days: null, rows: [{ from, to }] };
  const rows: WindowSplit['rows'] = [];
  if (from !== undefined && fromDay !== undefined && !from.endsWith(MIDNIGHT)) rows.push({ from, to: `${fromDay}${MIDNIGHT}` });
  if (to !== undefined && !to.endsWith(MIDNIGHT)) rows.push({ from: `${toDay}${MIDNIGHT}`, to });
  return { days: { fromDay, toDay }, rows };
}

/** The conditions on a rollup's day for whole days [fromDay, toDay). */
function dayRange(params: SqlParams, days: NonNullable<WindowSplit['days']>): string[] {
  const where = ['true'];
  if (days.fromDay !== undefined) where.push(`"day" >= ${params.add(days.fromDay)}`);
  if (days.toDay !== undefined) where.push(`"day" < ${params.add(days.toDay)}`);
  return where;
}

/**
 * Every measure of the signals in a window, per group (one group, key null, when `by` is undefined): whole
 * days from the rollups, the partial days around them from the rows, added exactly. Groups without
 * signals are left out.
 */
export async function windowMeasures(store: Store, window: SignalWindow, by?: GroupBy): Promise<Map<string | null, Measures>> {
  const split = by === 'hour' ? { days: null, rows: [{ from: window.from, to: window.to }] } : splitWindow(window.from, window.to);
  const out = new Map<string | null, Measures>();
  const add = (key: unknown, m: Measures) => {
    if (m.counts.n === 0) return;
    const k = key === null || key === undefined ? null : String(key);
    const had = out.get(k);
    out.set(k, had === undefined ? m : addMeasures(had, m));
  };
  const rows = measureSql(store.dialect, 'rows');
  for (const part of split.rows) {
    const params = new SqlParams(store.dialect);
    const where = windowWhere(params, { ...window, from: part.from, to: part.to }).join(' and ');
    const key = by === undefined ? 'null' : groupKeySql(store, by);
    const result = await runSql<Record<string, unknown>>(kyselyOf(store), `select ${key} as "key", ${rows.select} from "signals" where ${where}${by === undefined ? '' : ` group by ${key}`}`, params.values);
    for (const r of result) add(r.key, rows.read(r));
  }
  if (split.days !== null) {
    const rollups = measureSql(store.dialect, 'rollups');
    const params = new SqlParams(store.dialect);
    const where = dayRange(params, split.days);
    if (window.strategy !== undefined) where.push(`"strategy_name" = ${params.add(window.strategy)}`);
    if (window.symbol !== undefined) where.push(`"symbol" = ${params.add(window.symbol)}`);
    const key = by === undefined || by === 'hour' ? 'null' : rollupKeySql(by);
    const result = await runSql<Record<string, unknown>>(
      kyselyOf(store),
      `select ${key} as "key", ${rollups.select} from "signal_rollups" where ${where.join(' and ')}${by === undefined ? '' : ` group by ${key}`}`,
      params.values,
    );
    for (const r of result) add(r.key, rollups.read(r));
  }
  return out;
}

/** A column whose percentiles analytics report: a stored decimal, or an integer (microseconds). */
export interface PercentileColumn {
  column: string;
  kind: 'decimal' | 'integer';
}

/** On PostgreSQL a walk reads an index entry per rank it passes; below this share of the table, sorting the window is cheaper. */
const WALK_SHARE = 1 / 20;

/**
 * What SQLite's percentile queries read: its index of the measured columns in time order (`signals_measures_idx`,
 * src/store/sqlite-schema.ts), which holds every column they read, so the window's entries are read without the wide
 * rows (SQLite is told so: its planner may take a strategy or time index and read every row).
 */
const SQLITE_MEASURES = `"signals" indexed by "${SQLITE_MEASURES_INDEX.name}"`;

/** The FROM item of a query that picks percentiles from a window's values (not a walk). */
const windowValuesFrom = (store: Store): string => (store.dialect === 'sqlite' ? SQLITE_MEASURES : '"signals"');

/** Rows in signals, as PostgreSQL's statistics estimate it. */
async function tableSize(store: Store): Promise<number> {
  const [row] = await runSql<{ n: unknown }>(kyselyOf(store), `select greatest(reltuples, 0) as "n" from pg_class where oid = '"signals"'::regclass`);
  return Number(row?.n ?? 0);
}

/** Percentiles asked of one column: its count of values in the window and the fractions. */
export interface PercentileQuestion {
  target: PercentileColumn;
  count: number;
  fractions: readonly number[];
}

/**
 * Nearest-rank percentiles of several columns over a window (each with its count of values there). On PostgreSQL a
 * column whose values are a good share of the table walks its value-ordered index to each rank from the nearer end (no
 * sort; decimals by their double and then exactly). The other columns, and on SQLite every column, are picked from
 * the window's values in one query: on SQLite by selection from its index in time order, decimals by their double
 * and then exactly among the values sharing it (SQLite keeps them as text). SQLite has no value-ordered indexes: their
 * entries landed at scattered places, which made every write slower as the store grew (docs/benchmarks.md,
 * "Percentiles on SQLite from one index in time order").
 */
export async function windowPercentiles(store: Store, window: SignalWindow, questions: readonly PercentileQuestion[]): Promise<(string | number | null)[][]> {
  // a column walks when it holds at least WALK_SHARE of the table: never on SQLite
  const walkFrom = store.dialect === 'postgresql' ? WALK_SHARE * (await tableSize(store)) : Infinity;
  const out: (string | number | null)[][] = questions.map((q) => q.fractions.map(() => null));
  const fromValues: number[] = [];
  for (const [i, q] of questions.entries()) {
    if (q.count === 0) continue;
    if (q.count >= walkFrom) out[i] = await walk(store, window, q);
    else fromValues.push(i);
  }
  if (fromValues.length > 0) {
    const params = new SqlParams(store.dialect);
    const where = windowWhere(params, window, '', false).join(' and ') || 'true';
    const exact = new ExactAggregates(store.dialect);
    const slots = fromValues.map((i) => percentilesOf(exact, questions[i] as PercentileQuestion));
    const [row] = await runSql<Record<string, unknown>>(kyselyOf(store), `select ${exact.select()} from ${windowValuesFrom(store)} where ${where}`, params.values);
    const values = exact.values(row ?? {});
    fromValues.forEach((i, k) => {
      out[i] = (slots[k] as AggregateSlot<(string | number | null)[]>).read(values);
    });
  }
  return out;
}

/** The percentile aggregate of a column, by its kind. */
function percentilesOf(exact: ExactAggregates, { target, fractions }: Pick<PercentileQuestion, 'target' | 'fractions'>): AggregateSlot<(string | number | null)[]> {
  const c = `"${target.column}"`;
  return target.kind === 'decimal' ? exact.decimalPercentiles(c, fractions) : exact.integerPercentiles(c, fractions);
}

/** One column's percentiles by walking its value index on PostgreSQL (see windowPercentiles). */
async function walk(store: Store, window: SignalWindow, { target, count, fractions }: PercentileQuestion): Promise<(string | number | null)[]> {
  const c = `"${target.column}"`;
  const asDouble = `cast(${c} as double precision)`;
  const out: (string | number | null)[] = [];
  for (const p of fractions) {
    const rank = rankOf(count, p);
    const ascending = rank - 1 <= count - rank;
    const dir = ascending ? 'asc' : 'desc';
    const params = new SqlParams(store.dialect);
    const where = [`${c} is not null`, ...windowWhere(params, window, '', false)].join(' and ');
    const order = target.kind === 'decimal' ? `${asDouble} ${dir}, ${c} ${dir}` : `${c} ${dir}`;
    const [row] = await runSql<{ v: unknown; f?: unknown }>(
      kyselyOf(store),
      `select ${c} as "v"${target.kind === 'decimal' ? `, ${asDouble} as "f"` : ''} from "signals" where ${where} order by ${order} limit 1 offset ${params.add(ascending ? rank - 1 : count - rank)}`,
      params.values,
    );
    if (row === undefined) throw new Error(`percentile walk of ${target.column} found no value at rank ${rank} of ${count}`);
    out.push(target.kind === 'integer' ? Number(row.v) : await exactAtRank(store, window, target, rank, Number(row.f), String(row.v)));
  }
  return out;
}

/** The value at a rank among decimals sharing one double (almost always one value): ordered exactly. */
async function exactAtRank(store: Store, window: SignalWindow, target: PercentileColumn, rank: number, f: number, found: string): Promise<string | null> {
  const c = `"${target.column}"`;
  const asDouble = `cast(${c} as double precision)`;
  const tie = new SqlParams(store.dialect);
  const tieWhere = [`${c} is not null`, `${asDouble} = ${tie.add(f, '::float8')}`, ...windowWhere(tie, window, '', false)].join(' and ');
  const groups = await runSql<{ v: unknown; n: unknown }>(kyselyOf(store), `select ${c} as "v", count(*) as "n" from "signals" where ${tieWhere} group by ${c}`, tie.values);
  const distinct = new Set(groups.map((g) => canonicalDecimal(g.v)));
  if (distinct.size <= 1) return canonicalDecimal(found);
  const below = new SqlParams(store.dialect);
  const belowWhere = [`${c} is not null`, `${asDouble} < ${below.add(f, '::float8')}`, ...windowWhere(below, window, '', false)].join(' and ');
  const [less] = await runSql<{ n: unknown }>(kyselyOf(store), `select count(*) as "n" from "signals" where ${belowWhere}`, below.values);
  const values = sortDecimals(groups.flatMap((g) => new Array<string>(Number(g.n)).fill(String(g.v))));
  return canonicalDecimal(values[rank - 1 - Number(less?.n ?? 0)]);
}

/** Nearest-rank percentiles of a column per group, with the group's count of values: one query over the window's values. */
export async function groupPercentiles(
  store: Store,
  window: SignalWindow,
  by: GroupBy,
  target: PercentileColumn,
  fractions: readonly number[],
): Promise<Map<string | null, { count: number; values: (string | number | null)[] }>> {
  const from = windowValuesFrom(store);
  const params = new SqlParams(store.dialect);
  const c = `"${target.column}"`;
  const where = [`${c} is not null`, ...windowWhere(params, window, '', false)].join(' and ');
  const key = groupKeySql(store, by);
  const fractionList = `[${fractions.map(String).join(',')}]`;
  if (store.dialect === 'sqlite') {
    const kind = target.kind === 'decimal' ? 'd' : 'i';
    const [row] = await runSql<{ g: string | null }>(kyselyOf(store), `select ledger_grouped('["${kind}",${fractionList}]', ${key}, ${c}) as "g" from ${from} where ${where}`, params.values);
    const groups = JSON.parse(row?.g ?? '[]') as [string | null, number, (string | number | null)[]][];
    return new Map(groups.map(([k, n, picks]) => [k === null ? null : String(k), { count: n, values: target.kind === 'decimal' ? picks.map(canonicalDecimal) : picks }]));
  }
  const exact = new ExactAggregates(store.dialect);
  const slot = percentilesOf(exact, { target, fractions });
  const rows = await runSql<Record<string, unknown>>(
    kyselyOf(store),
    `select ${key} as "key", count(*) as "n", ${exact.select()} from ${from} where ${where} group by ${key}`,
    params.values,
  );
  return new Map(rows.map((r) => [r.key === null || r.key === undefined ? null : String(r.key), { count: Number(r.n), values: slot.read(exact.values(r)) }]));
}

/** Dead letters received in [from, to) per topic ('api' for none), and how many of them were resolved: whole days from their rollup, the rest from the rows. */
export async function deadLetterCounts(store: Store, from: Date | string | undefined, to: Date | string | undefined): Promise<Map<string, { count: number; resolved: number }>> {
  const split = splitWindow(from, to);
  const out = new Map<string, { count: number; resolved: number }>();
  const add = (topic: string, n: unknown, resolved: unknown) => {
    const had = out.get(topic) ?? { count: 0, resolved: 0 };
    out.set(topic, { count: had.count + Number(n), resolved: had.resolved + Number(resolved) });
  };
  for (const part of split.rows) {
    const params = new SqlParams(store.dialect);
    const where = rangeClause(params, part.from, part.to, '', ['from', 'to'], 'received_at');
    const rows = await runSql<{ topic: string; n: unknown; resolved: unknown }>(
      kyselyOf(store),
      `select coalesce("topic", 'api') as "topic", count(*) as "n", count("resolved_at") as "resolved" from "dead_letters" ${where.length > 0 ? `where ${where.join(' and ')}` : ''} group by coalesce("topic", 'api')`,
      params.values,
    );
    for (const r of rows) add(r.topic, r.n, r.resolved);
  }
  if (split.days !== null) {
    const params = new SqlParams(store.dialect);
    const where = dayRange(params, split.days);
    const rows = await runSql<{ topic: string; n: unknown; resolved: unknown }>(
      kyselyOf(store),
      `select "topic", sum("n") as "n", sum("resolved") as "resolved" from "dead_letter_rollups" where ${where.join(' and ')} group by "topic"`,
      params.values,
    );
    for (const r of rows) add(r.topic, r.n, r.resolved);
  }
  for (const [topic, c] of out) if (c.count === 0) out.delete(topic);
  return out;
}
