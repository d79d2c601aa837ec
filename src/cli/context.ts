import type { OpenStoreOptions, Store, StoreAccess } from '../store/index.ts';

export interface GlobalOptions {
  db?: string;
  /** false under --no-migrate */
  migrate?: boolean;
}

/** What a writing command does with pending PostgreSQL migrations: apply them, or under --no-migrate refuse a database that has any. */
export const migrateOnOpen = (global: GlobalOptions): OpenStoreOptions['migrate'] => (global.migrate === false ? 'check' : true);

/**
 * Opens the configured store for one command and closes it afterwards. Read commands pass 'read': they
 * never create a database, tables or files, and refuse a missing or outdated database in one line.
 */
export async function withStore<T>(global: GlobalOptions, fn: (store: Store) => Promise<T>, access: StoreAccess = 'write', migrate = migrateOnOpen(global)): Promise<T> {
  // loaded on use, so commands that never open a database (help, a file ingest's main thread) stay light, and the
  // command line's main thread keeps to config-choices.ts until a command needs its settings
  const { loadConfig } = await import('../config.ts');
  const config = loadConfig({ db: global.db });
  const { openStore } = await import('../store/index.ts');
  const store = await openStore({ dbUrl: config.databaseUrl, setting: config.databaseUrlSetting, migrate, access });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
