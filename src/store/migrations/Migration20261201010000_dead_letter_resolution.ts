import { Migration } from '@mikro-orm/migrations';

/** Dead letters that `dead-letters retry` applied: when, and the event each became; and their count per rollup row. */
export class Migration20261201010000_dead_letter_resolution extends Migration {
  override name = 'Migration20261201010000_dead_letter_resolution';

  override up(): void {
    this.addSql(`alter table "dead_letters" add column "resolved_at" timestamptz null, add column "resolved_event_id" varchar(128) null;`);
    this.addSql(`alter table "dead_letter_rollups" add column "resolved" bigint not null default 0;`);
    this.addSql(`alter table "dead_letter_rollups" alter column "resolved" drop default;`);
  }

  override down(): void {
    this.addSql(`alter table "dead_letter_rollups" drop column "resolved";`);
    this.addSql(`alter table "dead_letters" drop column "resolved_event_id", drop column "resolved_at";`);
  }
}
