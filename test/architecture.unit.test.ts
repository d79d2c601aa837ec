import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Under mutation testing (npm run test:mutation) this file runs in Stryker's sandbox, whose src/ holds
// instrumented copies (each reads process.env.__STRYKER_ACTIVE_MUTANT__): there the Stryker config
// (test/mutation/stryker.shared.mjs) names the original src/, and only Stryker's workers heed it.
const underStryker = process.env.STRYKER_MUTATOR_WORKER !== undefined && process.env.SIGNAL_LEDGER_SOURCE_DIR !== undefined;
const src = underStryker ? (process.env.SIGNAL_LEDGER_SOURCE_DIR as string) : path.join(import.meta.dirname, '..', 'src');
/** Which layers each layer may import (contract, numeric <- fold <- store <- analytics <- api; ingest, worker, cli above the store). */
const ALLOWED: Record<string, string[]> = {
  contract: ['contract'],
  fold: ['fold', 'contract'],
  numeric: ['numeric'],
  store: ['store', 'numeric', 'fold', 'contract', 'errors'],
  ingest: ['ingest', 'store', 'contract', 'errors'],
  worker: ['worker', 'store', 'contract', 'simulate', 'errors', 'config', 'config-choices', 'node-version'],
  simulate: ['simulate', 'contract'],
  analytics: ['analytics', 'store', 'numeric', 'fold', 'contract', 'errors', 'node-version'],
  api: ['api', 'analytics', 'store', 'fold', 'contract', 'errors'],
  cli: ['cli', 'worker', 'ingest', 'api', 'analytics', 'store', 'fold', 'contract', 'simulate', 'errors', 'config', 'config-choices', 'node-version'],
  errors: [],
  // the Node.js version check every entry point evaluates first, and the package's version
  'node-version': [],
  config: ['config-choices', 'contract', 'store', 'errors'],
  // the settings' choices and the whole-number rule, without zod: what the command line's main thread loads (lean-main-thread.e2e)
  'config-choices': [],
  index: ['contract', 'fold', 'store', 'analytics', 'api', 'ingest', 'errors', 'node-version'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const layerOf = (file: string) => path.relative(src, file).split(path.sep)[0]?.replace(/\.ts$/, '') ?? '';

/** Every relative import of each source file (static, type-only, re-exports and dynamic import()), as files. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files(src)) {
    const targets = [...readFileSync(file, 'utf8').matchAll(/(?:from |import\()'(\.[^']+)'/g)].map((m) => path.relative(src, path.resolve(path.dirname(file), m[1] as string)));
    graph.set(path.relative(src, file), [...new Set(targets)]);
  }
  return graph;
}

/** The strongly connected groups of more than one file, or of one that imports itself (Tarjan's algorithm): the import cycles. */
function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    for (let w = stack.pop(); w !== undefined; w = stack.pop()) {
      onStack.delete(w);
      group.push(w);
      if (w === v) break;
    }
    if (group.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(group.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe('import cycles', () => {
  it('finds a cycle of three files, and a file that imports itself, and nothing in a tree', () => {
    const graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a', 'd']], ['d', []], ['e', ['e']], ['f', ['d']]]);
    expect(cyclesOf(graph)).toEqual([['a', 'b', 'c'], ['e']]);
    expect(cyclesOf(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]]))).toEqual([]);
  });

  it('no file of src/ reaches itself through its imports, type-only imports included', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(50);
    expect(cyclesOf(graph)).toEqual([]);
  });
});

describe('layers', () => {
  it('every import points down the layers, never up (contract <- fold <- store <- analytics <- api, and the feeders above)', () => {
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
