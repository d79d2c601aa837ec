import { type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';

/** The command line from the sources, as the other CLI tests run it (no build needed). */
export const CLI_MAIN = path.join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  input?: string;
  env?: Record<string, string>;
  /** run as this user and group (only root can) */
  uid?: number;
  gid?: number;
}

/** The environment of a CLI run: this one's, without a DATABASE_URL, plus `env`. */
const envOf = (env: Record<string, string> = {}) => ({ ...process.env, DATABASE_URL: '', ...env });

/** Runs `signal-ledger ARGS` with the same Node and waits for it. */
export function runCli(args: readonly string[], options: CliOptions): CliRun {
  const r = spawnSync(process.execPath, [CLI_MAIN, ...args], { cwd: options.cwd, input: options.input, encoding: 'utf8', maxBuffer: 1 << 28, env: envOf(options.env), uid: options.uid, gid: options.gid });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `signal-ledger ARGS` and resolves when it exits, with all it wrote. */
export function runCliAsync(args: readonly string[], options: CliOptions): Promise<CliRun> {
  const spawnOptions: SpawnOptions = { cwd: options.cwd, env: envOf(options.env), stdio: ['ignore', 'pipe', 'pipe'] };
  const child = spawn(process.execPath, [CLI_MAIN, ...args], spawnOptions);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
