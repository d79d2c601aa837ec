import * as z from 'zod';
import { ConfigError } from './errors.ts';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl } from './store/database-url.ts';

export { LIMITS } from './contract/limits.ts';

/** Every setting read from the environment; flags override them. `process.env` is read nowhere else. */
const envSchema = z.object({
  DATABASE_URL: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
});

export interface LedgerConfig {
  databaseUrl: string;
  /** which setting the database URL came from, for error lines */
  databaseUrlSetting: string;
  logLevel: string;
}

export interface ConfigFlags {
  db?: string;
}

/** Loads and validates the configuration once per entry point; a bad value throws a ConfigError naming the setting. */
export function loadConfig(flags: ConfigFlags = {}, env: Record<string, string | undefined> = process.env): LedgerConfig {
  const parsed = envSchema.safeParse({ DATABASE_URL: env.DATABASE_URL || undefined, LOG_LEVEL: env.LOG_LEVEL || undefined });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw ConfigError.invalid(String(issue?.path[0] ?? 'environment'), issue?.message ?? 'invalid');
  }
  const setting = flags.db !== undefined ? '--db' : parsed.data.DATABASE_URL !== undefined ? 'DATABASE_URL' : 'default database URL';
  const databaseUrl = flags.db ?? parsed.data.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  parseDatabaseUrl(databaseUrl, setting);
  return { databaseUrl, databaseUrlSetting: setting, logLevel: parsed.data.LOG_LEVEL ?? 'info' };
}
