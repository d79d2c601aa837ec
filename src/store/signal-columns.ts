import type { EntitySchema } from '@mikro-orm/core';
import { sortKeysDeep } from '../contract/index.ts';
import type { FoldState, SignalFacts } from '../fold/index.ts';
import type { Dialect } from './database-url.ts';
import { SignalEntity } from './entities/signal.entity.ts';
import { timestampTextSql } from './column-types.ts';
import { columnsOf, type EntityColumn } from './entity-columns.ts';
import { toStoredState } from './stored-fold-state.ts';

/** A signal record as users read it: the fields derived from the events plus the row's bookkeeping. */
export interface SignalRecord extends SignalFacts {
  /** when this database first wrote the row */
  createdAt: string;
  /** when this database last changed the row */
  updatedAt: string;
  /** number of distinct events applied to this signal */
  version: number;
  /** sha256 over the sorted content hashes of its events (src/contract's eventsDigest) */
  eventsDigest: string;
}

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

/** The signals table's columns, and the rows and records of the write and read paths, as an entity declares them. */
export interface SignalTable {
  /** every column the write path fills: the record's, the sort time, the latencies and the fold state */
  writeColumns: readonly EntityColumn[];
  /** the columns that make up a record (users read these), in the entity's order */
  recordColumns: readonly EntityColumn[];
  /** the row the apply path writes for a record and its fold state (stored as toStoredState gives it; null: none) */
  toRow(record: SignalRecord, foldState: FoldState | null): Record<string, unknown>;
  /** a SELECT list of the record's columns that reads timestamps with microseconds in UTC on both databases */
  selectList(dialect: Dialect, alias?: string): string;
  /** a stored row as a record; JSON objects get sorted keys so both databases print the same bytes */
  toRecord(row: Record<string, unknown>): SignalRecord;
  /** an entity MikroORM loaded as a record, alike */
  fromEntity(entity: object): SignalRecord;
  /** snake_case keys, as in the database and in `--json` output */
  toSnakeCase(record: SignalRecord): Record<string, unknown>;
}

/** The columns of the signals table the ledger computes for itself rather than reading from the record. */
const LEDGER_COLUMNS: ReadonlySet<string> = new Set(['effective_at', 'fold_state', ...LATENCIES.map((l) => l.column)]);

/**
 * The signals table of an entity's metadata: SignalEntity's for the ledger (SIGNALS), a copy with a column
 * added in the test that shows a column declared once reaches the write path.
 */
export function signalTableOf(entity: EntitySchema): SignalTable {
  const writeColumns = columnsOf(entity);
  const missing = [...LEDGER_COLUMNS].filter((name) => !writeColumns.some((c) => c.name === name));
  if (missing.length > 0) throw new Error(`${entity.meta.className} lacks the ledger's columns ${missing.join(', ')}`);
  const recordColumns = writeColumns.filter((c) => !LEDGER_COLUMNS.has(c.name));
  const field = (record: SignalRecord, c: EntityColumn): unknown => Reflect.get(record, c.property) ?? null;
  // every row starts as a copy of this one, every column null: one copy of its shape, where assigning the columns one
  // by one into {} reshaped the object at each and was a fifth of Node's allocation in applyBatch (docs/benchmarks.md,
  // "Rows from one shape")
  const emptyRow: Readonly<Record<string, unknown>> = Object.fromEntries(writeColumns.map((c) => [c.name, null]));
  const recordFrom = (read: (c: EntityColumn) => unknown): SignalRecord => {
    const out: Record<string, unknown> = {};
    for (const c of recordColumns) out[c.property] = fromColumn(c, read(c));
    return out as unknown as SignalRecord;
  };
  return {
    writeColumns,
    recordColumns,
    toRow(record, foldState) {
      const row: Record<string, unknown> = { ...emptyRow };
      for (const c of recordColumns) {
        const v = field(record, c);
        row[c.name] = c.kind === 'json' && v !== null ? sortKeysDeep(v) : v;
      }
      row.effective_at = record.generatedAt ?? record.firstEventAt;
      for (const l of LATENCIES) {
        const later = record[l.later];
        const earlier = record[l.earlier];
        row[l.column] = later !== null && earlier !== null && (!l.executedOnly || record.status === 'executed') ? microsBetween(earlier as string, later as string) : null;
      }
      row.fold_state = foldState === null ? null : toStoredState(foldState);
      return row;
    },
    selectList(dialect, alias = '') {
      const prefix = alias ? `${alias}.` : '';
      return recordColumns
        .map((c) =>
          dialect === 'postgresql' && c.kind === 'timestamp'
            ? `${timestampTextSql(`${prefix}"${c.name}"`)} as "${c.name}"`
            : `${prefix}"${c.name}"`,
        )
        .join(', ');
    },
    toRecord: (row) => recordFrom((c) => row[c.name]),
    fromEntity: (entity) => recordFrom((c) => Reflect.get(entity, c.property)),
    toSnakeCase(record) {
      const out: Record<string, unknown> = {};
      for (const c of recordColumns) out[c.name] = field(record, c);
      return out;
    },
  };
}

/** A stored value as the record's: booleans and integers as JS ones, JSON parsed with sorted keys, the rest as text. */
function fromColumn(c: EntityColumn, v: unknown): unknown {
  if (v === null || v === undefined) return c.kind === 'json' && c.property === 'anomalies' ? [] : null;
  switch (c.kind) {
    case 'json':
      return sortKeysDeep(typeof v === 'string' ? JSON.parse(v) : v);
    case 'boolean':
      // PostgreSQL gives true/false, SQLite 1/0, a row toRow made true/false; anything else is a driver or schema change
      if (v === true || v === 1) return true;
      if (v === false || v === 0) return false;
      throw new Error(`${c.name} holds ${typeof v === 'string' ? JSON.stringify(v) : String(v)}, not a boolean`);
    case 'integer':
      return Number(v);
    default:
      return String(v);
  }
}

/** The ledger's signals table. */
export const SIGNALS: SignalTable = signalTableOf(SignalEntity);
export const RECORD_COLUMNS = SIGNALS.recordColumns;
export const SIGNAL_WRITE_COLUMNS = SIGNALS.writeColumns;
export const toSignalRow = SIGNALS.toRow;
export const recordSelectList = SIGNALS.selectList;
export const toSignalRecord = SIGNALS.toRecord;
export const signalRecordOf = SIGNALS.fromEntity;
export const toSnakeCase = SIGNALS.toSnakeCase;

/** The column of a property of the signals table. */
export function signalColumn(property: keyof SignalRecord): string {
  const column = SIGNALS.writeColumns.find((c) => c.property === property);
  if (column === undefined) throw new Error(`signals has no column for ${property}`);
  return column.name;
}
