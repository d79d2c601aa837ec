import { Migration20261125000000_initial } from './Migration20261125000000_initial.ts';
import { Migration20261125210000_consumer_checkpoints } from './Migration20261125210000_consumer_checkpoints.ts';
import { Migration20261126010000_first_fill_at } from './Migration20261126010000_first_fill_at.ts';
import { Migration20261126020000_anomalies_index } from './Migration20261126020000_anomalies_index.ts';
import { Migration20261130000000_analytics_rollups } from './Migration20261130000000_analytics_rollups.ts';
import { Migration20261201000000_events_digest } from './Migration20261201000000_events_digest.ts';
import { Migration20261201010000_dead_letter_resolution } from './Migration20261201010000_dead_letter_resolution.ts';
import { Migration20261202000000_compact_fold_state } from './Migration20261202000000_compact_fold_state.ts';

/** Every PostgreSQL migration, oldest first. A test fails when the entities and the migrated schema differ. */
export const MIGRATIONS = [
  { name: 'Migration20261125000000_initial', class: Migration20261125000000_initial },
  { name: 'Migration20261125210000_consumer_checkpoints', class: Migration20261125210000_consumer_checkpoints },
  { name: 'Migration20261126010000_first_fill_at', class: Migration20261126010000_first_fill_at },
  { name: 'Migration20261126020000_anomalies_index', class: Migration20261126020000_anomalies_index },
  { name: 'Migration20261130000000_analytics_rollups', class: Migration20261130000000_analytics_rollups },
  { name: 'Migration20261201000000_events_digest', class: Migration20261201000000_events_digest },
  { name: 'Migration20261201010000_dead_letter_resolution', class: Migration20261201010000_dead_letter_resolution },
  { name: 'Migration20261202000000_compact_fold_state', class: Migration20261202000000_compact_fold_state },
];
