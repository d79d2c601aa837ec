// Regression: test/config.unit.test.ts made a /tmp/signal-ledger-tls-* folder for its TLS files and never
// removed it, so every run left one behind. It now takes a scratchDir (removed after the file's tests).
// This holds every test file to the same: one that makes a temporary folder also removes it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const testRoot = path.join(import.meta.dirname, '..');
function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? sourcesUnder(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('temporary folders made by the tests', () => {
  it('are removed by the file that makes them (rmSync) or made through scratchDir, which removes them', () => {
    const leaking = sourcesUnder(testRoot)
      .filter((file) => {
        const text = readFileSync(file, 'utf8');
        return /\bmkdtemp(Sync)?\(/.test(text) && !/\brmSync\(/.test(text);
      })
      .map((file) => path.relative(testRoot, file));
    expect(leaking).toEqual([]);
  });
});
