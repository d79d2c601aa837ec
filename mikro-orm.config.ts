// Configuration for the MikroORM CLI (e.g. `npx mikro-orm migration:create` against PostgreSQL).
// The service itself opens its database through src/store/open-store.ts with the same entities and migrations.
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig } from '@mikro-orm/postgresql';
import { loadConfig } from './src/config.ts';
import { ENTITIES } from './src/store/entities/index.ts';
import { MIGRATIONS } from './src/store/migrations/index.ts';

const { databaseUrl } = loadConfig();

export default defineConfig({
  entities: ENTITIES,
  clientUrl: databaseUrl.startsWith('postgres') ? databaseUrl : 'postgresql://postgres@127.0.0.1:5432/signal_ledger',
  extensions: [Migrator],
  migrations: { path: 'src/store/migrations', migrationsList: MIGRATIONS, snapshot: false },
});
