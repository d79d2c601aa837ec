import { loadConfig } from '../config.ts';
import type { Store } from '../store/index.ts';

export interface GlobalOptions {
  db?: string;
  migrate?: boolean;
}

/** Opens the configured store for one command and closes it afterwards. */
export async function withStore<T>(global: GlobalOptions, fn: (store: Store) => Promise<T>): Promise<T> {
  const config = loadConfig({ db: global.db });
  // loaded on use, so commands that never open a database (help, a file ingest's main thread) stay light
  const { openStore } = await import('../store/index.ts');
  const store = await openStore({ dbUrl: config.databaseUrl, setting: config.databaseUrlSetting, migrate: global.migrate !== false });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
