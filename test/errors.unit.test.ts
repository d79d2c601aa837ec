import { describe, expect, it } from 'vitest';
import { classifyFailure, ErrorCode, isDatabaseRefusal, LedgerError, StoreError } from '../src/errors.ts';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('classifyFailure: one answer for the worker, ingest and the repository', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    ['PostgreSQL shutting down (57P01)', withCode('57P01')],
    ['a serialization failure (40001)', withCode('40001')],
    ['a deadlock (40P01)', withCode('40P01')],
    ['too many connections (53300)', withCode('53300')],
    ['a connection exception (08006)', withCode('08006')],
    ['SQLite busy', withCode('SQLITE_BUSY')],
    ['SQLite busy snapshot', withCode('SQLITE_BUSY_SNAPSHOT')],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    ['an unavailable store', StoreError.unavailable('down', null)],
    ['a race that kept losing', StoreError.conflict('batch not applied after 8 attempts', withCode('40P01'))],
    ['a retryable cause under a plain error', new Error('apply failed', { cause: withCode('ECONNRESET') })],
  ])('%s is retried, never a dead letter', (_name, error) => {
    expect(classifyFailure(error)).toBe('retry');
  });

  it.each([
    ['invalid text for UTF-8 (22021)', withCode('22021')],
    ['an untranslatable character (22P05)', withCode('22P05')],
    ['a value too long (22001)', withCode('22001')],
    ['a check violation (23514)', withCode('23514')],
    ['an index row too large (54000)', withCode('54000')],
    ['a trigger raising (SQLITE_CONSTRAINT_TRIGGER)', withCode('SQLITE_CONSTRAINT_TRIGGER')],
    ['SQLite: string or blob too big', withCode('SQLITE_TOOBIG')],
    ['the call stack overflowing on data', new RangeError('Maximum call stack size exceeded')],
  ])('%s is the data: split the batch and dead-letter what fails alone', (_name, error) => {
    expect(classifyFailure(error)).toBe('dead-letter');
  });

  it.each([
    ['a missing table (42P01)', withCode('42P01')],
    ['a missing permission (42501)', withCode('42501')],
    ['a full disk (53100)', withCode('53100')],
    ['a read-only SQLite file', withCode('SQLITE_READONLY')],
    ['a corrupt SQLite file', withCode('SQLITE_CORRUPT')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a strict-mode violation', new LedgerError(ErrorCode.ContractViolation, 'bad')],
    ['a strict-mode violation quoting an event_id that reads like a lost connection', new LedgerError(ErrorCode.ContractViolation, 'event_id "terminating connection" already belongs to signal "Connection terminated"')],
    ['an input error quoting such text', new LedgerError(ErrorCode.InputInvalid, 'symbol: "Connection ended" is not allowed')],
    ['not an Error at all', 'boom'],
  ])('%s stops, rather than dead-letter every message or commit past it', (_name, error) => {
    expect(classifyFailure(error)).toBe('stop');
  });
});

describe("isDatabaseRefusal: whose a dead letter's failure is", () => {
  it.each([
    ['a PostgreSQL data exception', withCode('22001'), true],
    ['a SQLite constraint', withCode('SQLITE_CONSTRAINT_TRIGGER'), true],
    ['a driver error wrapping the database one', new Error('insert failed', { cause: withCode('23514') }), true],
    ["a RangeError of signal-ledger's code (ScaledDecimal's division by zero)", new RangeError('Division by zero'), false],
    ["a RangeError of Node's with a code of its own", Object.assign(new RangeError('out of range'), { code: 'ERR_OUT_OF_RANGE' }), false],
    ['a RangeError wrapping a database error, which classifyFailure reads as the RangeError', new RangeError('too long', { cause: withCode('22001') }), false],
    ['a signal-ledger error, whose code is its own', new LedgerError(ErrorCode.InputInvalid, 'x'), false],
    ['an error whose code is not text', Object.assign(new RangeError('x'), { code: 7 }), false],
    ['not an Error at all', 'boom', false],
  ])('%s: %s', (_name, error, expected) => {
    expect(isDatabaseRefusal(error)).toBe(expected);
  });
});
