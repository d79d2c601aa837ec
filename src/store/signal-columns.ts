import { sortKeysDeep } from '../contract/index.ts';
import type { SignalFacts } from '../fold/index.ts';
import type { BulkColumn } from './bulk-sql.ts';
import type { Dialect } from './database-url.ts';

/** A signal record as users read it: the fields derived from the events plus the row's bookkeeping. */
export interface SignalRecord extends SignalFacts {
  /** when this database first wrote the row */
  createdAt: string;
  /** when this database last changed the row */
  updatedAt: string;
  /** number of distinct events applied to this signal */
  version: number;
}

type ValueKind = 'text' | 'decimal' | 'timestamp' | 'json' | 'boolean' | 'integer';
interface RecordColumn {
  field: keyof SignalRecord;
  column: string;
  kind: ValueKind;
}

const PG_TYPE: Record<ValueKind, BulkColumn['pgType']> = {
  text: 'text',
  decimal: 'numeric',
  timestamp: 'timestamptz',
  json: 'jsonb',
  boolean: 'boolean',
  integer: 'integer',
};

/** A camelCase field as its snake_case column. */
export const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const col = (field: keyof SignalRecord, kind: ValueKind): RecordColumn => ({ field, column: snake(field), kind });

/** Every column of the signals table that is part of a record, in table order. */
export const RECORD_COLUMNS: readonly RecordColumn[] = [
  col('signalId', 'text'), col('strategyName', 'text'), col('symbol', 'text'), col('signalType', 'text'), col('direction', 'text'),
  col('strength', 'decimal'), col('qualityScore', 'decimal'), col('requestedQuantity', 'decimal'), col('positionValue', 'decimal'),
  col('targetPrice', 'decimal'), col('signalPrice', 'decimal'), col('signalMetadata', 'json'), col('sharpeEstimate', 'decimal'),
  col('stopLoss', 'decimal'), col('takeProfit', 'decimal'), col('expiresAt', 'timestamp'), col('generatedAt', 'timestamp'),
  col('processedAt', 'timestamp'), col('executedAt', 'timestamp'), col('firstFillAt', 'timestamp'), col('riskCheckedAt', 'timestamp'), col('submittedAt', 'timestamp'),
  col('closedAt', 'timestamp'), col('firstEventAt', 'timestamp'), col('status', 'text'), col('rejectionReason', 'text'),
  col('riskCheckPassed', 'boolean'), col('riskCheckDetails', 'json'), col('orderId', 'text'), col('orderQuantity', 'decimal'),
  col('executedPrice', 'decimal'), col('executedQuantity', 'decimal'), col('fees', 'decimal'), col('slippage', 'decimal'),
  col('slippageBps', 'decimal'), col('outcomeReason', 'text'), col('anomalies', 'json'), col('version', 'integer'),
  col('createdAt', 'timestamp'), col('updatedAt', 'timestamp'),
];

/**
 * The latencies analytics report, stored with each row in whole microseconds (later - earlier) when both
 * times are known, and for generated -> executed only when the signal executed: percentiles walk their
 * indexes instead of sorting every row's timestamps.
 */
export const LATENCIES = [
  { name: 'generatedToRisk', column: 'latency_to_risk_us', later: 'riskCheckedAt', earlier: 'generatedAt', executedOnly: false },
  { name: 'generatedToSubmitted', column: 'latency_to_submitted_us', later: 'submittedAt', earlier: 'generatedAt', executedOnly: false },
  { name: 'submittedToFirstFill', column: 'latency_to_first_fill_us', later: 'firstFillAt', earlier: 'submittedAt', executedOnly: false },
  { name: 'generatedToExecuted', column: 'latency_to_executed_us', later: 'executedAt', earlier: 'generatedAt', executedOnly: true },
] as const satisfies readonly { name: string; column: string; later: keyof SignalRecord; earlier: keyof SignalRecord; executedOnly: boolean }[];
export type LatencyName = (typeof LATENCIES)[number]['name'];

/**
 * Microseconds from one stored timestamp (RFC 3339, UTC, six fraction digits) to another. Exact: a span of
 * more than about 285 years is a BigInt, since a double cannot hold it to the microsecond (1970 to 9999 is
 * 2.5e17 microseconds), and the two databases would otherwise be given different integers.
 */
function microsBetween(earlier: string, later: string): number | bigint {
  const seconds = (Date.parse(`${later.slice(0, 19)}Z`) - Date.parse(`${earlier.slice(0, 19)}Z`)) / 1000;
  const fraction = Number(later.slice(20, 26)) - Number(earlier.slice(20, 26));
  const micros = seconds * 1_000_000 + fraction;
  return Number.isSafeInteger(micros) ? micros : BigInt(seconds) * 1_000_000n + BigInt(fraction);
}

/** The columns the apply path writes: the record's, plus the sort time, the latencies and the fold state. */
export const SIGNAL_WRITE_COLUMNS: readonly BulkColumn[] = [
  ...RECORD_COLUMNS.map((c) => ({ name: c.column, pgType: PG_TYPE[c.kind] })),
  { name: 'effective_at', pgType: 'timestamptz' },
  ...LATENCIES.map((l) => ({ name: l.column, pgType: 'bigint' }) as const),
  { name: 'fold_state', pgType: 'json' },
];

/** The row the apply path writes for a record. */
export function toSignalRow(record: SignalRecord, foldState: unknown): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const c of RECORD_COLUMNS) {
    const v = record[c.field];
    row[c.column] = c.kind === 'json' && v !== null ? sortKeysDeep(v) : v;
  }
  row.effective_at = record.generatedAt ?? record.firstEventAt;
  for (const l of LATENCIES) {
    const later = record[l.later];
    const earlier = record[l.earlier];
    row[l.column] = later !== null && earlier !== null && (!l.executedOnly || record.status === 'executed') ? microsBetween(earlier as string, later as string) : null;
  }
  row.fold_state = foldState;
  return row;
}

/** A SELECT list that reads timestamps with microseconds in UTC on both databases. */
export function recordSelectList(dialect: Dialect, alias = ''): string {
  const prefix = alias ? `${alias}.` : '';
  return RECORD_COLUMNS.map((c) =>
    dialect === 'postgresql' && c.kind === 'timestamp'
      ? `to_char(${prefix}"${c.column}" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "${c.column}"`
      : `${prefix}"${c.column}"`,
  ).join(', ');
}

/** A stored row as a record; JSON objects get sorted keys so both databases print the same bytes. */
export function toSignalRecord(row: Record<string, unknown>): SignalRecord {
  const out: Record<string, unknown> = {};
  for (const c of RECORD_COLUMNS) {
    const v = row[c.column];
    if (v === null || v === undefined) {
      out[c.field] = c.kind === 'json' && c.field === 'anomalies' ? [] : null;
      continue;
    }
    switch (c.kind) {
      case 'json':
        out[c.field] = sortKeysDeep(typeof v === 'string' ? JSON.parse(v) : v);
        break;
      case 'boolean':
        out[c.field] = v === true || v === 1 || v === '1' || v === 't';
        break;
      case 'integer':
        out[c.field] = Number(v);
        break;
      default:
        out[c.field] = String(v);
    }
  }
  return out as unknown as SignalRecord;
}

/** snake_case keys, as in the database and in `--json` output. */
export function toSnakeCase(record: SignalRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of RECORD_COLUMNS) out[c.column] = record[c.field];
  return out;
}
