// The one way tests run the `signal-ledger` command: the built dist/cli/main.js as a subprocess of this
// Node (process.execPath), DATABASE_URL cleared unless a test gives one, and never without a time limit.
// Under mutation testing (npm run test:mutation) it runs the mutated src/cli/main.ts instead: see strykerRun.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JsonObject } from '../../src/contract/index.ts';

/**
 * The built command line. `npm test` builds it first (its pretest runs `npm run build`); running test
 * files with vitest directly needs `npm run build` after every change to src/, or the tests run the
 * previous build.
 */
export const CLI_MAIN = path.join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

/** How long a command may run before it is killed (SIGKILL) and its test fails. */
export const CLI_TIMEOUT_MS = 60_000;

/** What a finished run of the command gave: its exit code (null when killed), what it wrote, and whether the time limit killed it. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface CliOptions {
  /** the working directory (relative paths in args are read from it); default: this process's */
  cwd?: string;
  /** added to this process's environment, whose DATABASE_URL is cleared unless `env` sets it */
  env?: Record<string, string>;
  /** written to the command's stdin */
  input?: string;
  /** default CLI_TIMEOUT_MS */
  timeoutMs?: number;
  /** run as this user and group (only root can) */
  uid?: number;
  gid?: number;
  /**
   * run on a terminal (util-linux's script(1) gives it a pseudo-terminal), as an operator types it: stdout
   * and stderr are then the same terminal, and both arrive as `stdout` with the terminal's \r\n line ends
   */
  tty?: boolean;
}

/** The newest change to a .ts file under src/, in milliseconds. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const at = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(at));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(at).mtimeMs);
  }
  return newest;
}

let checked = false;
/** The built main, or an error that says how to build it: missing, or older than a source file (the tests would run the previous build). */
function builtMain(): string {
  if (!existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} is missing: the tests run the built command line; run \`npm run build\` first (npm test does so in its pretest)`);
  if (!checked) {
    if (newestSource(path.join(import.meta.dirname, '..', '..', 'src')) > statSync(CLI_MAIN).mtimeMs) {
      throw new Error(`${CLI_MAIN} is older than src/: run \`npm run build\` (npm test does so in its pretest), or the tests run the previous build`);
    }
    checked = true;
  }
  return CLI_MAIN;
}

const envOf = (env: Record<string, string> = {}): NodeJS.ProcessEnv => ({ ...process.env, DATABASE_URL: '', ...env });

/** Coverage as Stryker's instrumented code counts it: mutant id -> hits, for all tests (static) and per test. */
type MutantCoverage = { static: Record<string, number>; perTest: Record<string, Record<string, number>> };
/** The namespace Stryker's instrumented code and its vitest runner share (globalThis.__stryker__). */
type StrykerNamespace = { activeMutant?: string; currentTestId?: string; mutantCoverage?: MutantCoverage };

/** How one command runs: the program, Node's flags before it, its extra environment, and what to do once it has exited. */
interface CommandRun {
  argv: string[];
  env: Record<string, string>;
  done: () => void;
}

let runs = 0;
/**
 * Under StrykerJS (test/mutation/), the command runs the sandbox's mutated src/cli/main.ts (Node 24 strips
 * its types), with the active mutant in $__STRYKER_ACTIVE_MUTANT__, which the instrumented code reads. In
 * the dry run, where Stryker measures which tests reach which mutants, test/mutation/cli-coverage.mjs has the
 * subprocess count its coverage under the current test's id and write it to a file when it exits; `done`
 * merges that into this process's count. Without this, every CLI mutant would count as reached by no test.
 */
function strykerRun(ns: StrykerNamespace): CommandRun {
  const root = path.join(import.meta.dirname, '..', '..');
  const coverage = path.join(tmpdir(), `signal-ledger-stryker-${process.pid}-${++runs}`);
  const env: Record<string, string> = {
    STRYKER_CLI_COVERAGE: coverage,
    STRYKER_CLI_TEST_ID: ns.currentTestId ?? '',
    // Node's compile cache, inside the sandbox: each command loads the instrumented sources afresh, and the
    // cache halves what that costs (0.30 s to 0.13 s for --help, measured here)
    NODE_COMPILE_CACHE: path.join(root, '.node-compile-cache'),
  };
  if (ns.activeMutant !== undefined) env.__STRYKER_ACTIVE_MUTANT__ = String(ns.activeMutant);
  const done = () => {
    const dir = path.dirname(coverage);
    for (const name of readdirSync(dir).filter((n) => n.startsWith(`${path.basename(coverage)}.`))) {
      const file = path.join(dir, name);
      const theirs = JSON.parse(readFileSync(file, 'utf8')) as MutantCoverage;
      rmSync(file, { force: true });
      const ours = (ns.mutantCoverage ??= { static: {}, perTest: {} });
      const add = (into: Record<string, number>, from: Record<string, number>) => {
        for (const [id, hits] of Object.entries(from)) into[id] = (into[id] ?? 0) + hits;
      };
      add(ours.static, theirs.static);
      for (const [test, hits] of Object.entries(theirs.perTest)) add((ours.perTest[test] ??= {}), hits);
    }
  };
  return { argv: ['--import', path.join(root, 'test', 'mutation', 'cli-coverage.mjs'), path.join(root, 'src', 'cli', 'main.ts')], env, done };
}

/** The built command line, or under mutation testing the mutated source (strykerRun). */
function commandRun(): CommandRun {
  const ns = (globalThis as { __stryker__?: StrykerNamespace }).__stryker__;
  if (process.env.MUTATION_TESTING === '1' && ns !== undefined) return strykerRun(ns);
  return { argv: [builtMain()], env: {}, done: () => {} };
}

/** One word for sh: single-quoted, each ' inside written as '\'' (end the quote, a quoted ', quote again). */
const shellWord = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/** What to spawn for `signal-ledger ARGS`: this Node, or on a terminal script(1) running it (CliOptions.tty); and its environment. */
function spawnOf(command: CommandRun, args: readonly string[], options: CliOptions): [string, string[], NodeJS.ProcessEnv] {
  const env = envOf({ ...command.env, ...options.env });
  if (!options.tty) return [process.execPath, [...command.argv, ...args], env];
  // script -q (no banner) -e (its exit code is the command's) -f (writes output as it comes) -c (the command, run by $SHELL)
  const line = [process.execPath, ...command.argv, ...args].map(shellWord).join(' ');
  return ['script', ['-qefc', line, '/dev/null'], { ...env, SHELL: '/bin/sh' }];
}

const killedNote = (args: readonly string[], timeoutMs: number) => `\n[test helper] signal-ledger ${args.join(' ')}: killed after ${timeoutMs / 1000} s\n`;

/** Runs `signal-ledger ARGS` and waits for it (blocking this process: use runCliAsync to run commands side by side). */
export function runCli(args: readonly string[], options: CliOptions = {}): CliResult {
  const timeoutMs = options.timeoutMs ?? CLI_TIMEOUT_MS;
  const command = commandRun();
  const [file, fileArgs, env] = spawnOf(command, args, options);
  const r = spawnSync(file, fileArgs, {
    cwd: options.cwd,
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    env,
    uid: options.uid,
    gid: options.gid,
  });
  command.done();
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  if (r.error !== undefined && !timedOut) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: timedOut ? `${r.stderr}${killedNote(args, timeoutMs)}` : r.stderr, timedOut };
}

/** Runs `signal-ledger ARGS` without blocking the event loop; resolves when it has exited (or was killed at its time limit). */
export async function runCliAsync(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const timeoutMs = options.timeoutMs ?? CLI_TIMEOUT_MS;
  const run = startCli(args, { ...options, killAfterMs: timeoutMs });
  const { code, signal, timedOut } = await run.exited;
  return { code, signal, stdout: run.stdout, stderr: timedOut ? `${run.stderr}${killedNote(args, timeoutMs)}` : run.stderr, timedOut };
}

/** How a started command ended. */
export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** killed at killAfterMs */
  timedOut: boolean;
}

/** A command started by startCli: what it has written so far, and its exit. */
export interface CliProcess {
  readonly child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr together, in the order they arrived */
  readonly output: string;
  /** settles (never rejects) once it has exited and its output is read */
  readonly exited: Promise<CliExit>;
  readonly running: boolean;
  /** Resolves true as soon as its output (stdout and stderr) holds `text`, or false once it has exited without. */
  outputIncludes(text: string): Promise<boolean>;
  /** Sends a signal (default SIGTERM) unless it has exited. */
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Starts `signal-ledger ARGS` for a test that watches and stops it itself (worker, replay). Its output is
 * always read, so a command that logs a lot never blocks on a full pipe. It is killed (SIGKILL) after
 * killAfterMs (default 5 minutes), so a test that times out leaves no process behind for long; tests
 * still kill it with SIGKILL in a finally block.
 */
export function startCli(args: readonly string[], options: Omit<CliOptions, 'timeoutMs'> & { killAfterMs?: number } = {}): CliProcess {
  const command = commandRun();
  const [file, fileArgs, env] = spawnOf(command, args, options);
  const child = spawn(file, fileArgs, {
    cwd: options.cwd,
    env,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    uid: options.uid,
    gid: options.gid,
  });
  let stdout = '';
  let stderr = '';
  let output = '';
  let timedOut = false;
  child.stdout?.setEncoding('utf8').on('data', (d: string) => ((stdout += d), (output += d)));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => ((stderr += d), (output += d)));
  if (options.input !== undefined) child.stdin?.end(options.input);
  const running = () => child.exitCode === null && child.signalCode === null;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.killAfterMs ?? 300_000);
  timer.unref();
  const exited = new Promise<CliExit>((resolve) => {
    child.once('error', (error) => {
      stderr += `\n[test helper] ${error.message}\n`;
      resolve({ code: null, signal: null, timedOut });
    });
    child.once('close', (code, signal) => resolve({ code, signal, timedOut }));
  }).finally(() => {
    clearTimeout(timer);
    command.done();
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    get output() {
      return output;
    },
    exited,
    get running() {
      return running();
    },
    outputIncludes: (text) =>
      new Promise((resolve) => {
        const check = () => {
          if (!output.includes(text)) return;
          child.stdout?.off('data', check);
          child.stderr?.off('data', check);
          resolve(true);
        };
        child.stdout?.on('data', check);
        child.stderr?.on('data', check);
        check();
        void exited.then(() => resolve(output.includes(text)));
      }),
    kill: (signal = 'SIGTERM') => void (running() && child.kill(signal)),
  };
}

/** `ingest FILE --json` (plus `flags`) into a database: the exit code, stderr and the parsed summary (null when none was printed). */
export function ingestFile(dbUrl: string, file: string, options: CliOptions & { flags?: readonly string[] } = {}) {
  const r = runCli(['--db', dbUrl, 'ingest', file, '--json', ...(options.flags ?? [])], options);
  return { code: r.code, stderr: r.stderr, summary: r.stdout === '' ? null : (JSON.parse(r.stdout) as Record<string, number>) };
}

/** `signals list --all --json` of a database, parsed, without the two wall-clock columns. */
export function listRecords(dbUrl: string, cwd?: string): JsonObject[] {
  const r = runCli(['--db', dbUrl, 'signals', 'list', '--all', '--limit', '10000', '--json'], { cwd });
  if (r.code !== 0) throw new Error(`signals list failed (${r.code}): ${r.stderr}`);
  return (JSON.parse(r.stdout) as JsonObject[]).map(({ created_at: _c, updated_at: _u, ...rest }) => rest);
}

/**
 * Sends a running command SIGTERM, then 300 ms later (two signals sent together would merge into one) a second
 * one: whether it still ran before the second, how it exited, and how long after the second.
 */
export async function sigtermTwice(run: CliProcess): Promise<{ ranAfterFirst: boolean; exit: CliExit; msAfterSecond: number }> {
  run.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  const ranAfterFirst = run.running;
  run.kill('SIGTERM');
  const t0 = Date.now();
  const exit = await run.exited;
  return { ranAfterFirst, exit, msAfterSecond: Date.now() - t0 };
}
