// Bug: scratchDir (test/helpers/scratch.ts) removed its directory with an afterAll, which a call from inside a test
// registers too late to run: the EPIPE regression test left a directory with a SQLite ledger in the system's temp
// directory at every run, CI's included. A directory made in a test is now removed when that test finishes; one
// made at the top of a file or a describe block still lasts through the file's tests.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../helpers/scratch.ts';

describe('scratchDir', () => {
  const shared = scratchDir('shared');
  let own = '';

  it('made inside a test, is there while the test runs', () => {
    own = scratchDir('own');
    writeFileSync(path.join(own, 'l.db'), 'x');
    expect(existsSync(own)).toBe(true);
  });

  it('made inside a test, is gone once that test has finished', () => {
    expect(own).not.toBe('');
    expect(existsSync(own)).toBe(false);
  });

  it('made at the top of a describe block, lasts through its tests', () => {
    expect(existsSync(shared)).toBe(true);
  });
});
