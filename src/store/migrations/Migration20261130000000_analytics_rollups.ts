import { Migration } from '@mikro-orm/migrations';
import { latencyBackfillSql, REBUILD_ROLLUPS_PG } from '../rollups.ts';

/**
 * Analytics that grow with the question: per-day rollups of every measure (signal_rollups) and of dead
 * letters (dead_letter_rollups), the latencies stored in microseconds, and value-ordered indexes that
 * exact percentiles walk. Rows written before are filled in: latencies, then both rollups.
 */
export class Migration20261130000000_analytics_rollups extends Migration {
  override name = 'Migration20261130000000_analytics_rollups';

  override up(): void {
    this.addSql(`create table "dead_letter_rollups" ("day" varchar(10) not null, "topic" varchar(255) not null, "n" bigint not null, primary key ("day", "topic"));`);
    this.addSql(`create table "signal_rollups" ("day" varchar(10) not null, "strategy_name" varchar(128) not null, "symbol" varchar(64) not null, "slot" smallint not null, "n" bigint not null, "status_generated" bigint not null, "status_passed_risk" bigint not null, "status_rejected" bigint not null, "status_submitted" bigint not null, "status_executed" bigint not null, "status_partially_filled" bigint not null, "status_cancelled" bigint not null, "status_expired" bigint not null, "status_missed" bigint not null, "status_error" bigint not null, "risk_n" bigint not null, "risk_passed" bigint not null, "submitted_n" bigint not null, "filled_n" bigint not null, "slippage_n" bigint not null, "slippage_bps_n" bigint not null, "quality_n" bigint not null, "latency_to_risk_n" bigint not null, "latency_to_submitted_n" bigint not null, "latency_to_first_fill_n" bigint not null, "latency_to_executed_n" bigint not null, "executed_conf_n" bigint not null, "executed_quality_n" bigint not null, "rejected_conf_n" bigint not null, "rejected_quality_n" bigint not null, "filled_qty" numeric not null, "ordered_qty" numeric not null, "fees" numeric not null, "quality" numeric not null, "slippage" numeric not null, "slippage_bps" numeric not null, "executed_qty" numeric not null, "notional" numeric not null, "executed_conf" numeric not null, "executed_quality" numeric not null, "rejected_conf" numeric not null, "rejected_quality" numeric not null, primary key ("day", "strategy_name", "symbol", "slot"));`);
    this.addSql(`alter table "signals" add "latency_to_risk_us" bigint null, add "latency_to_submitted_us" bigint null, add "latency_to_first_fill_us" bigint null, add "latency_to_executed_us" bigint null;`);
    this.addSql(`create index "signals_latency_to_risk_us_idx" on "signals" ("latency_to_risk_us", "effective_at", "strategy_name", "symbol") where "latency_to_risk_us" is not null;`);
    this.addSql(`create index "signals_latency_to_submitted_us_idx" on "signals" ("latency_to_submitted_us", "effective_at", "strategy_name", "symbol") where "latency_to_submitted_us" is not null;`);
    this.addSql(`create index "signals_latency_to_first_fill_us_idx" on "signals" ("latency_to_first_fill_us", "effective_at", "strategy_name", "symbol") where "latency_to_first_fill_us" is not null;`);
    this.addSql(`create index "signals_latency_to_executed_us_idx" on "signals" ("latency_to_executed_us", "effective_at", "strategy_name", "symbol") where "latency_to_executed_us" is not null;`);
    this.addSql(`create index "signals_slippage_idx" on "signals" (cast("slippage" as double precision), "slippage", "effective_at", "strategy_name", "symbol") where "slippage" is not null;`);
    this.addSql(`create index "signals_slippage_bps_idx" on "signals" (cast("slippage_bps" as double precision), "slippage_bps", "effective_at", "strategy_name", "symbol") where "slippage_bps" is not null;`);
    for (const sql of latencyBackfillSql('postgresql')) this.addSql(`${sql};`);
    for (const sql of REBUILD_ROLLUPS_PG) this.addSql(`${sql};`);
  }

  override down(): void {
    this.addSql(`drop table if exists "signal_rollups";`);
    this.addSql(`drop table if exists "dead_letter_rollups";`);
    for (const index of ['latency_to_risk_us', 'latency_to_submitted_us', 'latency_to_first_fill_us', 'latency_to_executed_us', 'slippage', 'slippage_bps']) this.addSql(`drop index if exists "signals_${index}_idx";`);
    this.addSql(`alter table "signals" drop column "latency_to_risk_us", drop column "latency_to_submitted_us", drop column "latency_to_first_fill_us", drop column "latency_to_executed_us";`);
  }
}
