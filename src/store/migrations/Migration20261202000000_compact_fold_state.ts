import { Migration } from '@mikro-orm/migrations';
import type { FoldState } from '../../fold/index.ts';
import type { Dialect } from '../database-url.ts';
import { fromStoredState, toStoredState } from '../stored-fold-state.ts';

/** Each signal's fold state rewritten in its compact stored form (stored-fold-state.ts), from the object it was. */
export class Migration20261202000000_compact_fold_state extends Migration {
  override name = 'Migration20261202000000_compact_fold_state';

  override async up(): Promise<void> {
    await rewriteFoldStates('postgresql', (sql, params) => this.execute(sql, params), compactFoldState);
  }

  override async down(): Promise<void> {
    await rewriteFoldStates('postgresql', (sql, params) => this.execute(sql, params), (s) => (Array.isArray(s) ? fromStoredState(s) : s));
  }
}

type Execute = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * Rewrites every signal's fold state through `rewrite` (given the state as stored, its JSON parsed), a page of
 * 1,000 signals at a time in signal_id order, on either database (migrateSqlite calls it for a SQLite file).
 * States `rewrite` gives back unchanged (the same value) are left as they are, so it runs again safely.
 */
export async function rewriteFoldStates(dialect: Dialect, execute: Execute, rewrite: (stored: unknown) => unknown): Promise<void> {
  let after = '';
  for (;;) {
    const rows = await execute(`select "signal_id", "fold_state" from "signals" where "signal_id" > ? order by "signal_id" limit 1000`, [after]);
    if (rows.length === 0) return;
    after = rows.at(-1)?.signal_id as string;
    const changed: { signal_id: string; state: string }[] = [];
    for (const row of rows) {
      const stored: unknown = typeof row.fold_state === 'string' ? JSON.parse(row.fold_state) : row.fold_state;
      const rewritten = rewrite(stored);
      if (rewritten !== stored) changed.push({ signal_id: row.signal_id as string, state: JSON.stringify(rewritten) });
    }
    if (changed.length === 0) continue;
    if (dialect === 'postgresql') {
      await execute(
        `update "signals" as s set "fold_state" = v."state"::json from json_to_recordset(?::json) as v("signal_id" text, "state" text) where s."signal_id" = v."signal_id"`,
        [JSON.stringify(changed)],
      );
    } else {
      for (const c of changed) await execute(`update "signals" set "fold_state" = ? where "signal_id" = ?`, [c.state, c.signal_id]);
    }
  }
}

/** The rewrite of `up`: a state stored as the FoldState object (before this migration) in its compact form. */
export const compactFoldState = (stored: unknown): unknown => (Array.isArray(stored) ? stored : toStoredState(stored as FoldState));
