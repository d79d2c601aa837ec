import { Migration } from '@mikro-orm/migrations';

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
    // Frozen: the fill-in SQL the live builders of rollups.ts made when this migration shipped, written
    // out, so that the migration never changes with them (test/store/migrations.int.test.ts holds every
    // analytics answer of an upgraded database equal to one written from the start).
    this.addSql(`update "signals" set "latency_to_risk_us" = ((extract(epoch from "risk_checked_at") - extract(epoch from "generated_at")) * 1000000)::bigint where "risk_checked_at" is not null and "generated_at" is not null;`);
    this.addSql(`update "signals" set "latency_to_submitted_us" = ((extract(epoch from "submitted_at") - extract(epoch from "generated_at")) * 1000000)::bigint where "submitted_at" is not null and "generated_at" is not null;`);
    this.addSql(`update "signals" set "latency_to_first_fill_us" = ((extract(epoch from "first_fill_at") - extract(epoch from "submitted_at")) * 1000000)::bigint where "first_fill_at" is not null and "submitted_at" is not null;`);
    this.addSql(`update "signals" set "latency_to_executed_us" = ((extract(epoch from "executed_at") - extract(epoch from "generated_at")) * 1000000)::bigint where "executed_at" is not null and "generated_at" is not null and "status" = 'executed';`);
    this.addSql(`insert into "signal_rollups" ("day", "strategy_name", "symbol", "slot", "n", "status_generated",
      "status_passed_risk", "status_rejected", "status_submitted", "status_executed",
      "status_partially_filled", "status_cancelled", "status_expired", "status_missed", "status_error",
      "risk_n", "risk_passed", "submitted_n", "filled_n", "slippage_n", "slippage_bps_n", "quality_n",
      "latency_to_risk_n", "latency_to_submitted_n", "latency_to_first_fill_n", "latency_to_executed_n",
      "executed_conf_n", "executed_quality_n", "rejected_conf_n", "rejected_quality_n", "filled_qty",
      "ordered_qty", "fees", "quality", "slippage", "slippage_bps", "executed_qty", "notional",
      "executed_conf", "executed_quality", "rejected_conf", "rejected_quality")
    select g."k_0",
      g."k_1", g."k_2", 0, g."c_0", g."c_1", g."c_2", g."c_3", g."c_4", g."c_5", g."c_6", g."c_7", g."c_8",
      g."c_9", g."c_10", g."c_11", g."c_12", g."c_13", g."c_14", g."c_15", g."c_16", g."c_17", g."c_18",
      g."c_19", g."c_20", g."c_21", g."c_22", g."c_23", g."c_24", g."c_25", coalesce(g."agg_0"::numeric,
      0), coalesce(g."agg_1"::numeric, 0), coalesce(g."agg_2"::numeric, 0), coalesce(g."agg_3"::numeric,
      0), coalesce(g."agg_4"::numeric, 0), coalesce(g."agg_5"::numeric, 0), coalesce(g."agg_6"::numeric,
      0), coalesce(g."agg_7"::numeric, 0), coalesce(g."agg_8"::numeric, 0), coalesce(g."agg_9"::numeric,
      0), coalesce(g."agg_10"::numeric, 0), coalesce(g."agg_11"::numeric,
      0) from (select to_char("effective_at" at time zone 'UTC', 'YYYY-MM-DD') as "k_0",
      coalesce("strategy_name", '') as "k_1", coalesce("symbol", '') as "k_2", count(*) as "c_0",
      count(case when "status" = 'generated' then 1 end) as "c_1",
      count(case when "status" = 'passed_risk' then 1 end) as "c_2",
      count(case when "status" = 'rejected' then 1 end) as "c_3",
      count(case when "status" = 'submitted' then 1 end) as "c_4",
      count(case when "status" = 'executed' then 1 end) as "c_5",
      count(case when "status" = 'partially_filled' then 1 end) as "c_6",
      count(case when "status" = 'cancelled' then 1 end) as "c_7",
      count(case when "status" = 'expired' then 1 end) as "c_8",
      count(case when "status" = 'missed' then 1 end) as "c_9",
      count(case when "status" = 'error' then 1 end) as "c_10", count("risk_check_passed") as "c_11",
      count(case when "risk_check_passed" is true then 1 end) as "c_12", count("submitted_at") as "c_13",
      count("first_fill_at") as "c_14", count("slippage") as "c_15", count("slippage_bps") as "c_16",
      count("quality_score") as "c_17", count("latency_to_risk_us") as "c_18",
      count("latency_to_submitted_us") as "c_19", count("latency_to_first_fill_us") as "c_20",
      count("latency_to_executed_us") as "c_21",
      count(case when "status" = 'executed' and "strength" is not null then 1 end) as "c_22",
      count(case when "status" = 'executed' and "quality_score" is not null then 1 end) as "c_23",
      count(case when "status" = 'rejected' and "strength" is not null then 1 end) as "c_24",
      count(case when "status" = 'rejected' and "quality_score" is not null then 1 end) as "c_25",
      sum(case when "submitted_at" is not null and "order_quantity" is not null then coalesce("executed_quantity",
      0) end)::text as "agg_0",
      sum(case when "submitted_at" is not null then "order_quantity" end)::text as "agg_1",
      sum("fees")::text as "agg_2", sum("quality_score")::text as "agg_3",
      sum("slippage")::text as "agg_4", sum("slippage_bps")::text as "agg_5",
      sum("executed_quantity")::text as "agg_6",
      sum("executed_price" * "executed_quantity")::text as "agg_7",
      sum(case when "status" = 'executed' then "strength" end)::text as "agg_8",
      sum(case when "status" = 'executed' then "quality_score" end)::text as "agg_9",
      sum(case when "status" = 'rejected' then "strength" end)::text as "agg_10",
      sum(case when "status" = 'rejected' then "quality_score" end)::text as "agg_11" from "signals" where "version" > 0 and true group by to_char("effective_at" at time zone 'UTC',
      'YYYY-MM-DD'), coalesce("strategy_name", ''), coalesce("symbol", '')) g;`);
    this.addSql(`insert into "dead_letter_rollups" ("day", "topic",
      "n") select to_char("received_at" at time zone 'UTC', 'YYYY-MM-DD'), coalesce("topic", 'api'),
      count(*) from "dead_letters" group by 1, 2;`);
  }

  override down(): void {
    this.addSql(`drop table if exists "signal_rollups";`);
    this.addSql(`drop table if exists "dead_letter_rollups";`);
    for (const index of ['latency_to_risk_us', 'latency_to_submitted_us', 'latency_to_first_fill_us', 'latency_to_executed_us', 'slippage', 'slippage_bps']) this.addSql(`drop index if exists "signals_${index}_idx";`);
    this.addSql(`alter table "signals" drop column "latency_to_risk_us", drop column "latency_to_submitted_us", drop column "latency_to_first_fill_us", drop column "latency_to_executed_us";`);
  }
}
