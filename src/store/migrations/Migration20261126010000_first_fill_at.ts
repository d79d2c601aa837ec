import { Migration } from '@mikro-orm/migrations';

/** The time of a signal's first fill (for the submitted -> first fill latency), filled in from the audit trail. */
export class Migration20261126010000_first_fill_at extends Migration {
  override name = 'Migration20261126010000_first_fill_at';

  override up(): void {
    this.addSql(`alter table "signals" add column "first_fill_at" timestamptz null;`);
    this.addSql(FIRST_FILL_BACKFILL);
  }

  override down(): void {
    this.addSql(`alter table "signals" drop column "first_fill_at";`);
  }
}

/** Sets first_fill_at from the earliest fill in the audit trail, for rows written before the column existed. */
export const FIRST_FILL_BACKFILL = `update "signals" set "first_fill_at" = (select min(e."occurred_at") from "signal_events" e where e."signal_id" = "signals"."signal_id" and e."kind" = 'filled') where "first_fill_at" is null and "executed_at" is not null;`;
