import { Migration } from '@mikro-orm/migrations';

/** Each record's events_digest (tamper evidence: src/contract's eventsDigest), filled in from the audit trail. */
export class Migration20261201000000_events_digest extends Migration {
  override name = 'Migration20261201000000_events_digest';

  override up(): void {
    this.addSql(`alter table "signals" add column "events_digest" varchar(64) null;`);
    this.addSql(EVENTS_DIGEST_BACKFILL.postgresql);
  }

  override down(): void {
    this.addSql(`alter table "signals" drop column "events_digest";`);
  }
}

/**
 * Sets events_digest from the audit trail, for rows written before the column existed: the sha256 over the
 * content hashes of the signal's events, sorted by their bytes (collation "C" on PostgreSQL, SQLite's binary
 * order) and joined by newlines, in hex, as eventsDigest computes it. SQLite's sha256 is ledger_sha256
 * (sql-aggregates.ts); group_concat ... order by needs SQLite 3.44.
 */
export const EVENTS_DIGEST_BACKFILL = {
  postgresql: `update "signals" set "events_digest" = (select encode(sha256(convert_to(string_agg(e."content_hash", E'\\n' order by e."content_hash" collate "C"), 'UTF8')), 'hex') from "signal_events" e where e."signal_id" = "signals"."signal_id") where "events_digest" is null;`,
  sqlite: `update "signals" set "events_digest" = (select ledger_sha256(group_concat(e."content_hash", char(10) order by e."content_hash")) from "signal_events" e where e."signal_id" = "signals"."signal_id") where "events_digest" is null;`,
} as const;
