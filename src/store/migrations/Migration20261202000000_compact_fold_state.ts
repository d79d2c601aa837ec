import { Migration } from '@mikro-orm/migrations';

/**
 * Each signal's fold state rewritten from the object it was stored as into form 1 (store/stored-fold-state.ts).
 * The signals table is locked against writes while it runs: a batch committing between the read of a page and its
 * update would otherwise be overwritten.
 */
export class Migration20261202000000_compact_fold_state extends Migration {
  override name = 'Migration20261202000000_compact_fold_state';

  override async up(): Promise<void> {
    await this.rewrite(compactFoldState);
  }

  override async down(): Promise<void> {
    await this.rewrite(objectFoldState);
  }

  private async rewrite(rewrite: (stored: unknown) => unknown): Promise<void> {
    await this.execute('lock table "signals" in share row exclusive mode');
    await rewriteFoldStates(
      (after) => this.execute(`select "signal_id", "fold_state" from "signals" where "signal_id" > ? order by "signal_id" limit ${PAGE}`, [after]),
      (changed) =>
        this.execute(
          `update "signals" as s set "fold_state" = v."state"::json from json_to_recordset(?::json) as v("signal_id" text, "state" text) where s."signal_id" = v."signal_id"`,
          [JSON.stringify(changed)],
        ),
      rewrite,
    );
  }
}

/** Signals read and rewritten at a time. */
export const PAGE = 1000;

type Row = Record<string, unknown>;

/**
 * Rewrites every signal's fold state through `rewrite` (given the state as stored, its JSON parsed), a page at a
 * time in signal_id order, on either database (migrateSqlite calls it for a SQLite file, with prepared statements).
 * A state `rewrite` gives back unchanged (the same value) is left as it is, so it runs again safely.
 */
export async function rewriteFoldStates(
  read: (after: string) => Promise<Row[]> | Row[],
  write: (changed: { signal_id: string; state: string }[]) => Promise<unknown> | unknown,
  rewrite: (stored: unknown) => unknown,
): Promise<void> {
  let after = '';
  for (;;) {
    const rows = await read(after);
    if (rows.length === 0) return;
    after = rows.at(-1)?.signal_id as string;
    const changed: { signal_id: string; state: string }[] = [];
    for (const row of rows) {
      const stored: unknown = typeof row.fold_state === 'string' ? JSON.parse(row.fold_state) : row.fold_state;
      const rewritten = rewrite(stored);
      if (rewritten !== stored) changed.push({ signal_id: row.signal_id as string, state: JSON.stringify(rewritten) });
    }
    if (changed.length > 0) await write(changed);
  }
}

// The two forms as this migration knows them, written out here (not imported from stored-fold-state.ts, which
// may change with a later form): a test holds them equal to toStoredState and fromStoredState at this version.

const DETAILS = ['strategyName', 'symbol', 'side', 'confidence', 'sharpeEstimate', 'entryPrice', 'stopLoss', 'takeProfit', 'signalType', 'qualityScore', 'requestedQuantity', 'positionValue', 'targetPrice', 'expiresAt'];
const OVERRIDES = ['signalType', 'requestedQuantity', 'positionValue', 'targetPrice', 'qualityScore', 'signalMetadata'];
const FILL = ['at', 'id', 'orderId', 'price', 'quantity', 'leaves', 'fee', 'completes', 'api', 'conflict'];
const isObject = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True for a fold state stored as the state object (before form 1): its members, the fills and overrides objects. */
export function isObjectFoldState(v: unknown): v is Row {
  return isObject(v) && 'firstEventAt' in v && 'details' in v && typeof v.detailsConflict === 'boolean' && 'risk' in v && 'submission' in v && isObject(v.fills) && 'outcome' in v && isObject(v.overrides);
}

/** A state object in form 1; anything else as it is (a state in form 1 already, or one no form reads: rebuild recomputes it). */
export function compactFoldState(stored: unknown): unknown {
  if (!isObjectFoldState(stored)) return stored;
  const fact = (f: unknown, members: string[]) => (isObject(f) ? [f.at, f.id, ...members.map((m) => f[m])] : null);
  const details = isObject(stored.details) ? stored.details : null;
  return [
    1,
    stored.firstEventAt,
    details === null ? null : [details.at, details.id, ...DETAILS.map((k) => (details.details as Row)[k] ?? null), details.metadata],
    stored.detailsConflict,
    fact(stored.risk, ['passed', 'checks', 'reason']),
    fact(stored.submission, ['orderId', 'quantity']),
    Object.fromEntries(Object.keys(stored.fills as Row).sort().map((k) => [k, FILL.map((m) => ((stored.fills as Record<string, Row>)[k] as Row)[m])])),
    fact(stored.outcome, ['outcome', 'reason']),
    Object.fromEntries(OVERRIDES.filter((k) => (stored.overrides as Row)[k] !== undefined).map((k) => [k, fact((stored.overrides as Row)[k], ['value'])])),
  ];
}

/** A state in form 1 as the state object (what down writes back); anything else as it is. */
export function objectFoldState(stored: unknown): unknown {
  if (!Array.isArray(stored) || stored[0] !== 1 || stored.length !== 9) return stored;
  const [, firstEventAt, d, detailsConflict, r, s, fills, o, overrides] = stored as [1, unknown, unknown[] | null, boolean, unknown[] | null, unknown[] | null, Record<string, unknown[]>, unknown[] | null, Record<string, unknown[]>];
  const fact = (f: unknown[] | null, members: string[]) => (f === null ? null : Object.fromEntries(['at', 'id', ...members].map((m, i) => [m, f[i]])));
  return {
    firstEventAt,
    details: d === null ? null : { at: d[0], id: d[1], details: Object.fromEntries(DETAILS.map((k, i) => [k, d[i + 2]])), metadata: d[DETAILS.length + 2] },
    detailsConflict,
    risk: fact(r, ['passed', 'checks', 'reason']),
    submission: fact(s, ['orderId', 'quantity']),
    fills: Object.fromEntries(Object.entries(fills).map(([k, f]) => [k, Object.fromEntries(FILL.map((m, i) => [m, f[i]]))])),
    outcome: fact(o, ['outcome', 'reason']),
    overrides: Object.fromEntries(Object.entries(overrides).map(([k, f]) => [k, fact(f, ['value'])])),
  };
}
