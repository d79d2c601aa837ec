import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Under mutation testing (npm run test:mutation) this file runs in Stryker's sandbox, whose src/ holds
// instrumented copies (each reads process.env.__STRYKER_ACTIVE_MUTANT__): there the Stryker config
// (test/mutation/stryker.shared.mjs) names the original src/, and only Stryker's workers heed it.
const underStryker = process.env.STRYKER_MUTATOR_WORKER !== undefined && process.env.SIGNAL_LEDGER_SOURCE_DIR !== undefined;
const src = underStryker ? (process.env.SIGNAL_LEDGER_SOURCE_DIR as string) : path.join(import.meta.dirname, '..', 'src');
/** Which layers each layer may import (contract <- fold <- store <- ingest | worker | cli | analytics). */
const ALLOWED: Record<string, string[]> = {
  contract: ['contract'],
  fold: ['fold', 'contract'],
  store: ['store', 'fold', 'contract', 'errors'],
  ingest: ['ingest', 'store', 'contract', 'errors'],
  worker: ['worker', 'store', 'contract', 'simulate', 'errors', 'config'],
  simulate: ['simulate', 'contract'],
  analytics: ['analytics', 'store', 'fold', 'contract', 'errors'],
  cli: ['cli', 'worker', 'ingest', 'analytics', 'store', 'fold', 'contract', 'simulate', 'errors', 'config'],
  errors: [],
  config: ['contract', 'store', 'errors'],
  index: ['contract', 'fold', 'store', 'ingest', 'errors'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const layerOf = (file: string) => path.relative(src, file).split(path.sep)[0]?.replace(/\.ts$/, '') ?? '';

describe('layers', () => {
  it('every import points down the layers, never up (contract <- fold <- store <- ingest | worker | cli | analytics)', () => {
    const violations: string[] = [];
    for (const file of files(src)) {
      const from = layerOf(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:from |import\()'(\.[^']+)'/g)) {
        const to = layerOf(path.resolve(path.dirname(file), m[1] as string));
        if (to !== from && !(ALLOWED[from] ?? []).includes(to)) violations.push(`${path.relative(src, file)} imports ${to}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('process.env is read only in config.ts', () => {
    const readers = files(src).filter((f) => readFileSync(f, 'utf8').includes('process.env'));
    expect(readers.map((f) => path.relative(src, f))).toEqual(['config.ts']);
  });
});
