// Scratch directories of a test file, and the files tests write into them by hand.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, onTestFinished } from 'vitest';

/**
 * A scratch directory, removed after the tests of the file (made at the top of a file or a describe block) or after
 * the test that made it. An afterAll registered from inside a test never runs, which left such a directory behind
 * (test/regressions/scratch-dir-made-in-a-test-was-left-behind.unit.test.ts).
 */
export function scratchDir(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `signal-ledger-${name}-`));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  if (expect.getState().currentTestName === undefined) afterAll(remove);
  else onTestFinished(remove);
  return dir;
}

/** Writes lines (text or exact bytes) as an NDJSON file and returns its path. */
export function writeLines(dir: string, name: string, lines: readonly (string | Buffer)[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, Buffer.concat(lines.flatMap((l) => [typeof l === 'string' ? Buffer.from(l, 'utf8') : l, Buffer.from('\n')])));
  return file;
}
