import { Migration } from '@mikro-orm/migrations';

/** The Kafka worker's checkpoints: per consumer group, topic and partition, the next offset to read. */
export class Migration20261125210000_consumer_checkpoints extends Migration {
  override name = 'Migration20261125210000_consumer_checkpoints';

  override up(): void {
    this.addSql(`create table "consumer_checkpoints" ("group_id" varchar(255) not null, "topic" varchar(255) not null, "partition" int not null, "next_offset" bigint not null, "updated_at" timestamptz not null, primary key ("group_id", "topic", "partition"));`);
  }

  override down(): void {
    this.addSql(`drop table if exists "consumer_checkpoints";`);
  }
}
