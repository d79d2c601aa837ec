// The command line's main thread stays light: it builds --help and reads flags from config-choices.ts, and
// loads config.ts (zod and the contract's schemas) only when a command needs its settings. `signal-ledger
// worker` never does there: its thread reads and checks the settings, so the main thread, which only relays
// signals for the whole run, holds none of it (about 15 MB of the worker's peak RSS, docs/benchmarks.md).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';

const work = scratchDir('lean-main-thread');
const recorder = path.join(import.meta.dirname, '..', 'helpers', 'main-thread-modules.mjs');

/** Runs the command with the recorder, and gives the packages and src/ modules its main thread loaded. */
function mainThreadModules(args: string[]): { code: number | null; stderr: string; modules: string[] } {
  const list = path.join(work, `modules-${args[0]}.txt`);
  const r = runCli(['--db', 'sqlite:///lean.db', ...args], { cwd: work, env: { NODE_OPTIONS: `--import ${recorder}`, MAIN_THREAD_MODULES: list, KAFKA_BROKERS: '127.0.0.1:1' } });
  const modules = readFileSync(list, 'utf8')
    .split('\n')
    .map((url) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? /\/(?:dist|src)\/(.+)\.[jt]s$/.exec(url)?.[1] ?? url);
  return { code: r.code, stderr: r.stderr, modules: [...new Set(modules)] };
}

const HEAVY = ['zod', 'kafkajs', '@mikro-orm/core', 'pino', 'config', 'contract/index', 'contract/schemas', 'store/index', 'worker/index'];

describe('the main thread of the command line', () => {
  it('worker: its thread reads the settings (a bad one still exits 2 naming its flag); the main thread loads no schema, driver or client', () => {
    const r = mainThreadModules(['worker', '--max-batch', '5001']);
    expect(r.stderr).toBe('signal-ledger: --max-batch: a whole number from 1 to 5000\n');
    expect(r.code).toBe(2);
    expect(r.modules).toContain('commander');
    expect(r.modules).toContain('cli/thread');
    expect(r.modules.filter((m) => HEAVY.includes(m))).toEqual([]);
  });

  it('--help builds every command from config-choices.ts alone', () => {
    const r = mainThreadModules(['--help']);
    expect(r.code).toBe(0);
    expect(r.modules).toContain('config-choices');
    expect(r.modules.filter((m) => HEAVY.includes(m))).toEqual([]);
  });

  it('a command that opens the store loads its settings when it runs (the recorder sees a loaded module)', () => {
    const r = mainThreadModules(['migrate']);
    expect(r.code).toBe(0);
    expect(r.modules).toContain('config');
    expect(r.modules).toContain('zod');
  });
});
