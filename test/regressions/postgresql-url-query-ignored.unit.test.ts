// Found in review: PostgreSQL URLs reached the driver as host, port, user, password and database only, so
// ?sslmode=require, sslrootcert, application_name and options were silently dropped (a connection that asked
// for TLS went without it); and ?password=p%40ss, a password with an @ written as it should be, was refused.
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/store/database-url.ts';

const connection = (url: string) => {
  const target = parseDatabaseUrl(url);
  if (target.dialect !== 'postgresql') throw new Error('not PostgreSQL');
  return target.connection();
};

describe('the query of a PostgreSQL URL', () => {
  it('gives the driver TLS for sslmode=require, and application_name', () => {
    expect(connection('postgresql://u@db.example/ledger?sslmode=require&application_name=ledger').driverOptions).toMatchObject({ ssl: {}, application_name: 'ledger' });
    expect(connection('postgresql://u@db.example/ledger?sslmode=disable').driverOptions).toMatchObject({ ssl: false });
  });

  it('takes a percent-encoded @ in ?password=', () => {
    expect(connection('postgresql://db.example/ledger?user=u&password=p%40ss').password).toBe('p@ss');
  });
});
