import { Migration } from '@mikro-orm/migrations';

/** A partial index of the signals with anomaly notes, by time (getAnomalies). */
export class Migration20261126020000_anomalies_index extends Migration {
  override name = 'Migration20261126020000_anomalies_index';

  override up(): void {
    this.addSql(`create index "signals_anomalies_idx" on "signals" ("effective_at") where "anomalies" <> '[]';`);
  }

  override down(): void {
    this.addSql(`drop index if exists "signals_anomalies_idx";`);
  }
}
