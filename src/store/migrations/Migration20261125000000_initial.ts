import { Migration } from '@mikro-orm/migrations';

/** The initial PostgreSQL schema: signals, the audit trail and dead letters. */
export class Migration20261125000000_initial extends Migration {
  override name = 'Migration20261125000000_initial';

  override up(): void {
    this.addSql(`create table "signals" ("signal_id" varchar(128) not null, "strategy_name" varchar(128) null, "symbol" varchar(64) null, "signal_type" varchar(64) null, "direction" varchar(4) null, "strength" numeric null, "quality_score" numeric null, "requested_quantity" numeric null, "position_value" numeric null, "target_price" numeric null, "signal_price" numeric null, "signal_metadata" jsonb null, "sharpe_estimate" numeric null, "stop_loss" numeric null, "take_profit" numeric null, "expires_at" timestamptz null, "generated_at" timestamptz null, "processed_at" timestamptz null, "executed_at" timestamptz null, "risk_checked_at" timestamptz null, "submitted_at" timestamptz null, "closed_at" timestamptz null, "first_event_at" timestamptz not null, "effective_at" timestamptz not null, "status" varchar(32) not null, "rejection_reason" text null, "risk_check_passed" boolean null, "risk_check_details" jsonb null, "order_id" varchar(128) null, "order_quantity" numeric null, "executed_price" numeric null, "executed_quantity" numeric null, "fees" numeric null, "slippage" numeric null, "slippage_bps" numeric null, "outcome_reason" text null, "anomalies" jsonb not null, "version" int not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "fold_state" json not null, primary key ("signal_id"));`);
    this.addSql(`create index "signals_effective_at_idx" on "signals" ("effective_at", "signal_id");`);
    this.addSql(`create index "signals_strategy_idx" on "signals" ("strategy_name", "effective_at");`);
    this.addSql(`create index "signals_symbol_idx" on "signals" ("symbol", "effective_at");`);
    this.addSql(`create index "signals_status_idx" on "signals" ("status", "effective_at");`);
    this.addSql(`create table "signal_events" ("id" bigserial primary key, "event_id" varchar(128) not null, "signal_id" varchar(128) not null, "kind" varchar(16) not null, "occurred_at" timestamptz not null, "received_at" timestamptz not null, "source" text not null, "topic" varchar(255) null, "partition" int null, "offset" bigint null, "message_key" text null, "payload" text not null, "content_hash" varchar(64) not null, "status_before" varchar(32) null, "status_after" varchar(32) not null, "anomaly" text null);`);
    this.addSql(`alter table "signal_events" add constraint "signal_events_event_id_key" unique ("event_id");`);
    this.addSql(`create index "signal_events_signal_id_idx" on "signal_events" ("signal_id");`);
    this.addSql(`create table "dead_letters" ("id" bigserial primary key, "dedupe_key" varchar(200) not null, "received_at" timestamptz not null, "source" text not null, "topic" varchar(255) null, "partition" int null, "offset" bigint null, "message_key" text null, "raw_value" text null, "problems" jsonb not null, "event_id" varchar(128) null, "signal_id" varchar(128) null);`);
    this.addSql(`alter table "dead_letters" add constraint "dead_letters_dedupe_key_key" unique ("dedupe_key");`);
    this.addSql(`create index "dead_letters_received_at_idx" on "dead_letters" ("received_at");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "dead_letters";`);
    this.addSql(`drop table if exists "signal_events";`);
    this.addSql(`drop table if exists "signals";`);
  }
}
