import path from 'node:path';
import { parseIntoClientConfig } from 'pg-connection-string';
import { ConfigError } from '../errors.ts';

export const DEFAULT_DATABASE_URL = 'sqlite:///data/signals.db';

/** The two databases signal-ledger stores in. */
export type Dialect = 'sqlite' | 'postgresql';

/** What the PostgreSQL driver is given: parts, never a connection string it could quote in an error. */
export interface PostgresConnection {
  host: string;
  port: number | undefined;
  user: string;
  password: string;
  database: string;
  /** what the URL's query gives the driver besides (TLS from sslmode, sslcert, sslkey, sslrootcert; application_name; options; ...), as pg reads it */
  driverOptions: Record<string, unknown>;
}

/**
 * A parsed database URL. `url` is the form for people (logs, messages): it never holds a password.
 * The PostgreSQL credentials are behind a function so that logging or serializing a target cannot
 * print them.
 */
export type DatabaseTarget =
  | { dialect: 'sqlite'; file: string; memory: boolean; url: string }
  | { dialect: 'postgresql'; database: string; url: string; connection(): PostgresConnection };

const FORMS = 'use sqlite:///relative/path.db, sqlite:////absolute/path.db, sqlite:///:memory: or postgresql://user:pass@host:port/db';

/**
 * Reads the database URL forms of the contract: `sqlite:///relative.db`, `sqlite:////abs/path.db`,
 * `sqlite:///:memory:` (as in the Python layer) and `postgresql://user:pass@host:port/db`
 * (also `postgres://`, and libpq's `?user=` and `?password=`). `setting` names where the value came
 * from, for the error line. No error quotes the text given: it may hold a password.
 */
export function parseDatabaseUrl(url: string, setting = 'DATABASE_URL', cwd = process.cwd()): DatabaseTarget {
  const text = url.trim();
  if (text.toLowerCase().startsWith('sqlite:')) return sqliteTarget(text, setting, cwd);
  // URL.parse, not new URL: the TypeError of the latter carries the whole text, password included
  const parsed = URL.parse(text);
  if (parsed?.protocol === 'postgresql:' || parsed?.protocol === 'postgres:') return postgresTarget(parsed, setting);
  throw ConfigError.invalid(setting, `not a database URL signal-ledger stores in (not shown: it may hold a password); ${FORMS}`);
}

/** A SQLite URL of a file path, as parseDatabaseUrl reads it back. */
export function sqliteUrlOf(file: string): string {
  return `sqlite:///${file}`;
}

/** decodeURIComponent, with a malformed escape reported without the text around it. */
function decoded(part: string, setting: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw ConfigError.invalid(setting, `the ${what} of the database URL has a malformed %-escape (not shown: it may hold a password)`);
  }
}

/**
 * A SQLite URL holds a file path, no credentials: the path is everything after `sqlite:///`, taken as
 * written, as the Python layer (SQLAlchemy) reads it: `..` and `%` keep their file-system meaning.
 */
function sqliteTarget(url: string, setting: string, cwd: string): DatabaseTarget {
  const rest = url.slice('sqlite:'.length);
  if (!rest.startsWith('///')) {
    throw ConfigError.invalid(setting, 'a SQLite URL has three slashes and no host: use sqlite:///relative/path.db, sqlite:////absolute/path.db or sqlite:///:memory: (not shown: it may hold a password)');
  }
  const filePart = rest.slice(3);
  if (filePart === ':memory:') return { dialect: 'sqlite', file: ':memory:', memory: true, url: 'sqlite:///:memory:' };
  if (filePart === '' || filePart.endsWith('/')) throw ConfigError.invalid(setting, 'the SQLite URL names no database file');
  const file = path.isAbsolute(filePart) ? filePart : path.resolve(cwd, filePart);
  return { dialect: 'sqlite', file, memory: false, url: sqliteUrlOf(file) };
}

/**
 * The query of a PostgreSQL URL as pg itself reads a connection string (pg-connection-string): sslmode,
 * sslcert, sslkey and sslrootcert make its TLS options (the files are read now, so a missing one is a bad
 * setting at start), and application_name, options and the rest pass through. The URL's parts (host,
 * user, password, database) are taken from our own parse, not from these.
 */
function queryOptions(parsed: URL, setting: string): Record<string, unknown> {
  let config: Record<string, unknown>;
  try {
    config = parseIntoClientConfig(parsed.href) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw ConfigError.invalid(setting, `the query of the PostgreSQL URL cannot be used${code === undefined ? '' : ` (${code}: a TLS file of sslcert, sslkey or sslrootcert)`} (not shown: it may hold a password)`);
  }
  const { host: _host, port: _port, user: _user, password: _password, database: _database, ...rest } = config;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined && v !== null));
}

function postgresTarget(parsed: URL, setting: string): DatabaseTarget {
  // A "/", "?" or "#" left unencoded in a password ends the authority early; the rest of the password
  // then lands in the path, query or fragment, with the "@" that should have ended it. Such a URL is
  // refused before any part of it can reach a message.
  // (the raw query: ?password=p%40ss is a password with an @, given as it should be)
  const strayAt = parsed.pathname.includes('@') || parsed.search.includes('@');
  if (parsed.hash !== '' || strayAt) {
    throw ConfigError.invalid(setting, 'the PostgreSQL URL does not parse as user:password@host: write @ / ? # : in a user name or password as %40 %2F %3F %23 %3A');
  }
  if (parsed.hostname === '') throw ConfigError.invalid(setting, 'the PostgreSQL URL names no host (postgresql://user:pass@host:port/db)');
  const database = decoded(parsed.pathname, setting, 'database name').slice(1);
  const query = parsed.searchParams;
  const password = query.get('password') ?? decoded(parsed.password, setting, 'password');
  const user = query.get('user') ?? decoded(parsed.username, setting, 'user name');
  const shown = `${parsed.protocol}//${user === '' ? '' : encodeURIComponent(user)}${password === '' ? '' : ':***'}${user === '' && password === '' ? '' : '@'}${parsed.host}${parsed.pathname}`;
  if (!database) throw ConfigError.invalid(setting, `${shown} names no database (postgresql://user:pass@host:port/db)`);
  const host = decoded(parsed.hostname, setting, 'host');
  const connection: PostgresConnection = {
    // an IPv6 address is bracketed in a URL, not for the driver
    host: host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host,
    port: parsed.port === '' ? undefined : Number(parsed.port),
    user,
    password,
    database,
    driverOptions: parsed.search === '' ? {} : queryOptions(parsed, setting),
  };
  return { dialect: 'postgresql', database, url: shown, connection: () => connection };
}
