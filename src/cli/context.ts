import { loadConfig } from '../config.ts';
import { openStore, type Store } from '../store/index.ts';

export interface GlobalOptions {
  db?: string;
  migrate?: boolean;
}

/** Opens the configured store for one command and closes it afterwards. */
export async function withStore<T>(global: GlobalOptions, fn: (store: Store) => Promise<T>): Promise<T> {
  const config = loadConfig({ db: global.db });
  const store = await openStore({ dbUrl: config.databaseUrl, setting: config.databaseUrlSetting, migrate: global.migrate !== false });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
