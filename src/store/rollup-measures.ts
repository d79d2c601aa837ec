import { SIGNAL_STATUSES } from '../fold/index.ts';
import { LATENCIES, type LatencyName } from './signal-columns.ts';

// The analytics measures the rollups keep (signal_rollups has one column per measure: rollup.entity.ts):
// the one definition of every measure, that rollups.ts makes SQL from.

/** A condition on a signals row. */
export type Cond = { notNull: string } | { status: string } | { isTrue: string };
/** The column a condition reads. */
export const condColumn = (c: Cond): string => ('notNull' in c ? c.notNull : 'status' in c ? 'status' : c.isTrue);
/** A counted measure: how many rows meet all its conditions. */
export interface CountMeasure {
  name: string;
  when: readonly Cond[];
}
/** A summed measure: the exact sum of a decimal column (or of a product of two) over the rows meeting its conditions. */
export interface SumMeasure {
  name: string;
  when: readonly Cond[];
  column: string;
  /** a missing value counts as 0 (which changes no exact sum: a sum of no values reads as 0 too) */
  orZero?: boolean;
  times?: string;
}

const count = (name: string, ...when: Cond[]): CountMeasure => ({ name, when });
const sum = (name: string, column: string, when: Cond[] = [], extra: Partial<SumMeasure> = {}): SumMeasure => ({ name, column, when, ...extra });

export const COUNT_MEASURES: readonly CountMeasure[] = [
  count('n'),
  ...SIGNAL_STATUSES.map((st) => count(`status_${st}`, { status: st })),
  count('risk_n', { notNull: 'risk_check_passed' }),
  count('risk_passed', { isTrue: 'risk_check_passed' }),
  count('submitted_n', { notNull: 'submitted_at' }),
  count('filled_n', { notNull: 'first_fill_at' }),
  count('slippage_n', { notNull: 'slippage' }),
  count('slippage_bps_n', { notNull: 'slippage_bps' }),
  count('quality_n', { notNull: 'quality_score' }),
  ...LATENCIES.map((l) => count(latencyCount(l.name), { notNull: l.column })),
  count('executed_conf_n', { status: 'executed' }, { notNull: 'strength' }),
  count('executed_quality_n', { status: 'executed' }, { notNull: 'quality_score' }),
  count('rejected_conf_n', { status: 'rejected' }, { notNull: 'strength' }),
  count('rejected_quality_n', { status: 'rejected' }, { notNull: 'quality_score' }),
];

export const SUM_MEASURES: readonly SumMeasure[] = [
  sum('filled_qty', 'executed_quantity', [{ notNull: 'submitted_at' }, { notNull: 'order_quantity' }], { orZero: true }),
  sum('ordered_qty', 'order_quantity', [{ notNull: 'submitted_at' }]),
  sum('fees', 'fees'),
  sum('quality', 'quality_score'),
  sum('slippage', 'slippage'),
  sum('slippage_bps', 'slippage_bps'),
  sum('executed_qty', 'executed_quantity'),
  sum('notional', 'executed_price', [], { times: 'executed_quantity' }),
  sum('executed_conf', 'strength', [{ status: 'executed' }]),
  sum('executed_quality', 'quality_score', [{ status: 'executed' }]),
  sum('rejected_conf', 'strength', [{ status: 'rejected' }]),
  sum('rejected_quality', 'quality_score', [{ status: 'rejected' }]),
];

/** The count of rows with a latency: the name of its count measure. */
export function latencyCount(name: LatencyName): string {
  return (LATENCIES.find((l) => l.name === name) as (typeof LATENCIES)[number]).column.replace(/_us$/, '_n');
}
