// Scratch directories of a test file, and the files tests write into them by hand.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/** A scratch directory for this test file, removed after its tests. */
export function scratchDir(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `signal-ledger-${name}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes lines (text or exact bytes) as an NDJSON file and returns its path. */
export function writeLines(dir: string, name: string, lines: readonly (string | Buffer)[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, Buffer.concat(lines.flatMap((l) => [typeof l === 'string' ? Buffer.from(l, 'utf8') : l, Buffer.from('\n')])));
  return file;
}
