import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { describeError } from '../../src/errors.ts';
import { parseDatabaseUrl, sqliteUrlOf } from '../../src/store/database-url.ts';
import { openStore } from '../../src/store/open-store.ts';

/**
 * Every way a password can be written into a database URL, each with its own marker (a pattern: the
 * digits a mangled URL reads as a port are part of the secret too), so that a leak names the form that
 * leaked. `ok` says whether the URL is one to accept.
 */
const SECRET_FORMS: readonly { form: string; url: string; marker: string; ok: boolean }[] = [
  { form: 'user:password', url: 'postgresql://ledger:Mk1@db.example:5432/ledger', marker: 'Mk1', ok: true },
  { form: 'postgres:// scheme', url: 'postgres://ledger:Mk2@db.example/ledger', marker: 'Mk2', ok: true },
  { form: 'raw @ in the password', url: 'postgresql://ledger:Mk3a@Mk3b@db.example/ledger', marker: 'Mk3', ok: true },
  { form: 'raw : in the password', url: 'postgresql://ledger:Mk4a:Mk4b@db.example/ledger', marker: 'Mk4', ok: true },
  { form: 'percent-encoded @ / : in the password', url: 'postgresql://ledger:Mk5a%40Mk5b%2FMk5c%3AMk5d@db.example/ledger', marker: 'Mk5', ok: true },
  { form: 'password without a user', url: 'postgresql://:Mk6@db.example/ledger', marker: 'Mk6', ok: true },
  { form: '?password=', url: 'postgresql://ledger@db.example/ledger?password=Mk7', marker: 'Mk7', ok: true },
  { form: '?sslpassword=', url: 'postgresql://ledger@db.example/ledger?sslpassword=Mk8a', marker: 'Mk8', ok: true },
  { form: 'an ?sslkey= file that cannot be read', url: 'postgresql://ledger:Mk8b@db.example/ledger?sslkey=/nonexistent/Mk8c', marker: 'Mk8', ok: false },
  { form: 'IPv6 host', url: 'postgresql://ledger:Mk9@[::1]:5432/ledger', marker: 'Mk9', ok: true },
  { form: 'raw / in the password', url: 'postgresql://ledger:Mk10a/Mk10b@db.example/ledger', marker: 'Mk10', ok: false },
  { form: 'raw / after digits in the password (the digits parse as a port)', url: 'postgresql://ledger:8642/Mk11@db.example/ledger', marker: '8642|Mk11', ok: false },
  { form: 'raw # in the password', url: 'postgresql://ledger:8643#Mk12@db.example/ledger', marker: '8643|Mk12', ok: false },
  { form: 'raw ? in the password', url: 'postgresql://ledger:8644?Mk13=x@db.example/ledger', marker: '8644|Mk13', ok: false },
  { form: 'raw ? and = in the password', url: 'postgresql://ledger:8645?x=Mk14@db.example/ledger', marker: '8645|Mk14', ok: false },
  { form: 'malformed %-escape', url: 'postgresql://ledger:Mk15%zz@db.example/ledger', marker: 'Mk15', ok: false },
  { form: 'no database', url: 'postgresql://ledger:Mk16@db.example', marker: 'Mk16', ok: false },
  { form: 'no host', url: 'postgresql://ledger:Mk17@/ledger', marker: 'Mk17', ok: false },
  { form: 'bad port', url: 'postgresql://ledger:Mk18@db.example:99999/ledger', marker: 'Mk18', ok: false },
  { form: 'unparseable', url: 'postgresql://ledger:Mk19 a b@db.example:x/ledger', marker: 'Mk19', ok: false },
  { form: 'no scheme', url: 'ledger:Mk20@db.example/ledger', marker: 'Mk20', ok: false },
  { form: 'other scheme', url: 'mysql://ledger:Mk21@db.example/ledger', marker: 'Mk21', ok: false },
  { form: 'credentials in a SQLite URL', url: 'sqlite://ledger:Mk22@/x.db', marker: 'Mk22', ok: false },
  { form: 'credentials and host in a SQLite URL', url: 'sqlite://ledger:Mk23@host/x.db', marker: 'Mk23', ok: false },
  { form: 'a bare secret', url: 'Mk24', marker: 'Mk24', ok: false },
];

/** Everything a URL's parse can show: the error's message, its one-line form, its inspection, or the target. */
function shownOf(url: string): string {
  try {
    const target = parseDatabaseUrl(url, '--db');
    return [target.url, JSON.stringify(target), inspect(target, { depth: 5 }), String(target)].join('\n');
  } catch (error) {
    return [(error as Error).message, describeError(error), inspect(error, { depth: 5 }), JSON.stringify(error)].join('\n');
  }
}

describe('database URLs never show a password', () => {
  it.each(SECRET_FORMS)('$form: the password is in no message, target, inspection or serialization', ({ url, marker, ok }) => {
    expect(shownOf(url)).not.toMatch(new RegExp(marker));
    if (ok) expect(() => parseDatabaseUrl(url)).not.toThrow();
    else expect(() => parseDatabaseUrl(url)).toThrow(/^--db: |^DATABASE_URL: /);
  });

  it.each(SECRET_FORMS.filter((f) => f.ok && f.url.startsWith('postgres')))(
    '$form: opening it on a server that does not answer fails without the password, in the error or its causes',
    async ({ url, marker }) => {
      const unreachable = url.replace('db.example:5432', '127.0.0.1:9').replace('db.example', '127.0.0.1:9').replace('[::1]:5432', '127.0.0.1:9');
      const error = await openStore({ dbUrl: unreachable, access: 'read' }).then(
        async (store) => (await store.close(), null),
        (e: unknown) => e,
      );
      expect(describeError(error)).toMatch(/^database unavailable: cannot connect to PostgreSQL at postgres(ql)?:\/\/.*127\.0\.0\.1:9\/ledger/);
      expect(inspect(error, { depth: 10 })).not.toMatch(new RegExp(marker));
    },
  );

  it('the driver is given the decoded password, from the user-info or from ?password=', () => {
    const conn = (url: string) => {
      const target = parseDatabaseUrl(url);
      if (target.dialect !== 'postgresql') throw new Error('not PostgreSQL');
      return target.connection();
    };
    expect(conn('postgresql://ledger:p%40ss%2Fw%3Ard@db.example:6543/led%20ger')).toEqual({ host: 'db.example', port: 6543, user: 'ledger', password: 'p@ss/w:rd', database: 'led ger', driverOptions: {} });
    expect(conn('postgresql://db.example/ledger?user=me&password=p%40ss').password).toBe('p@ss');
    expect(conn('postgresql://ledger:a@b@db.example/ledger').password).toBe('a@b');
    expect(conn('postgresql://db.example/ledger?user=me&password=q%26p').password).toBe('q&p');
    expect(conn('postgresql://[::1]/ledger').host).toBe('::1');
    expect(conn('postgres://db.example/ledger').port).toBeUndefined();
  });

  it('the query reaches the driver as pg reads it: sslmode makes TLS, application_name and options pass through', () => {
    const target = parseDatabaseUrl('postgresql://ledger@db.example/ledger?sslmode=no-verify&application_name=ledger&options=-c%20search_path%3Dx');
    if (target.dialect !== 'postgresql') throw new Error('not PostgreSQL');
    expect(target.connection().driverOptions).toMatchObject({ ssl: { rejectUnauthorized: false }, application_name: 'ledger', options: '-c search_path=x' });
    const verified = parseDatabaseUrl('postgresql://ledger@db.example/ledger?sslmode=verify-full');
    if (verified.dialect !== 'postgresql') throw new Error('not PostgreSQL');
    expect(verified.connection().driverOptions.ssl).toEqual({});
    expect(() => parseDatabaseUrl('postgresql://ledger@db.example/ledger?sslrootcert=/nonexistent/ca.pem', '--db')).toThrow(/^--db: the query of the PostgreSQL URL cannot be used \(ENOENT/);
  });

  it('the URL for people keeps user, host, port and database, and shows *** for a password', () => {
    expect(parseDatabaseUrl('postgresql://ledger:secret@db.example:5432/ledger?sslmode=require').url).toBe('postgresql://ledger:***@db.example:5432/ledger');
    expect(parseDatabaseUrl('postgresql://ledger@db.example/ledger?password=secret').url).toBe('postgresql://ledger:***@db.example/ledger');
    expect(parseDatabaseUrl('postgresql://:secret@db.example/ledger').url).toBe('postgresql://:***@db.example/ledger');
    expect(parseDatabaseUrl('postgresql://db.example/ledger').url).toBe('postgresql://db.example/ledger');
  });
});

describe('SQLite URLs', () => {
  const file = (url: string) => {
    const target = parseDatabaseUrl(url, 'DATABASE_URL', '/srv/app');
    if (target.dialect !== 'sqlite') throw new Error('not SQLite');
    return target.file;
  };

  it('sqlite:///relative, sqlite:////absolute and sqlite:///:memory: keep their meaning', () => {
    expect(file('sqlite:///data/signals.db')).toBe('/srv/app/data/signals.db');
    expect(file('sqlite:////var/lib/signals.db')).toBe('/var/lib/signals.db');
    expect(file('sqlite:///:memory:')).toBe(':memory:');
    expect(file('SQLITE:///data/x.db')).toBe('/srv/app/data/x.db');
  });

  it('the path is taken as written, as the Python layer reads it, and sqliteUrlOf writes any absolute path back so that it reads the same', () => {
    expect(file('sqlite:///my%20file.db')).toBe('/srv/app/my%20file.db');
    expect(file('sqlite:///../shared/signals.db')).toBe('/srv/shared/signals.db');
    for (const name of ['/tmp/a b.db', '/tmp/50%.db', '/tmp/q?x#y.db', '/tmp/ünï.db', '/tmp/a:b.db']) expect(file(sqliteUrlOf(name))).toBe(name);
  });

  it.each([
    ['sqlite:x.db', /three slashes/],
    ['sqlite:/x.db', /three slashes/],
    ['sqlite://host/x.db', /three slashes/],
    ['sqlite:///', /names no database file/],
    ['sqlite:///dir/', /names no database file/],
  ])('%s is refused, not read as another file', (url, message) => {
    expect(() => parseDatabaseUrl(url)).toThrow(message);
  });
});
