import path from 'node:path';
import { ConfigError } from '../errors.ts';

export const DEFAULT_DATABASE_URL = 'sqlite:///data/signals.db';

/** The two databases signal-ledger stores in. */
export type Dialect = 'sqlite' | 'postgresql';

export type DatabaseTarget =
  | { dialect: 'sqlite'; file: string; memory: boolean; url: string }
  | { dialect: 'postgresql'; clientUrl: string; database: string; url: string };

/**
 * Reads the database URL forms of the contract: `sqlite:///relative.db`, `sqlite:////abs/path.db`,
 * `sqlite:///:memory:` (as in the Python layer) and `postgresql://user:pass@host:port/db`
 * (also `postgres://`). `setting` names where the value came from, for the error line.
 */
export function parseDatabaseUrl(url: string, setting = 'DATABASE_URL', cwd = process.cwd()): DatabaseTarget {
  const trimmed = url.trim();
  if (trimmed.startsWith('sqlite://')) {
    const rest = trimmed.slice('sqlite://'.length);
    if (!rest.startsWith('/')) {
      throw ConfigError.invalid(setting, `${JSON.stringify(url)} is not a SQLite URL: use sqlite:///relative/path.db, sqlite:////absolute/path.db or sqlite:///:memory:`);
    }
    const filePart = rest.slice(1);
    if (filePart === ':memory:') return { dialect: 'sqlite', file: ':memory:', memory: true, url: trimmed };
    if (filePart === '' || filePart.endsWith('/')) throw ConfigError.invalid(setting, `${JSON.stringify(url)} names no database file`);
    const file = path.isAbsolute(filePart) ? filePart : path.resolve(cwd, filePart);
    return { dialect: 'sqlite', file, memory: false, url: trimmed };
  }
  if (trimmed.startsWith('postgresql://') || trimmed.startsWith('postgres://')) {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch (cause) {
      throw ConfigError.invalid(setting, `${redactUrl(trimmed)} is not a valid PostgreSQL URL`, cause);
    }
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    if (!parsed.hostname) throw ConfigError.invalid(setting, `${redactUrl(trimmed)} names no host`);
    if (!database) throw ConfigError.invalid(setting, `${redactUrl(trimmed)} names no database (postgresql://user:pass@host:port/db)`);
    return { dialect: 'postgresql', clientUrl: trimmed, database, url: redactUrl(trimmed) };
  }
  throw ConfigError.invalid(
    setting,
    `${JSON.stringify(redactUrl(trimmed))} is not a database URL; expected sqlite:///path.db, sqlite:///:memory: or postgresql://user:pass@host:port/db`,
  );
}

/** The URL with its password replaced, for logs and messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}
