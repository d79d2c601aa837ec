// npm run bench:protocol -- <before> <after> <benchmark>: the benchmark protocol of docs/benchmarks.md. Runs `npm run
// <benchmark>` (bench:ingest, bench:worker) three times at each of two commits, back to back on this machine, alternating
// which commit runs first in each round, and prints each figure of the benchmark's tables and of its lines of figures
// (figuresOf) as the median of its runs with their minimum and maximum, per commit, and the ratio of the medians. `.`
// as a commit is this checkout as it is, uncommitted changes included. Each commit runs from its own git worktree
// (node_modules linked from this checkout when the lockfiles agree, else installed with npm ci); each side's dist/ is
// built first, as the benchmarks' RSS parts run the built command line. The benchmark's own settings pass through the
// environment (BENCH_EVENTS, BENCH_WORKER_PARTS, ...). Every run's stdout and stderr are kept under
// test-results/bench-protocol/.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { median } from './bench-common.ts';

const root = path.resolve(import.meta.dirname, '..');
const usage = 'usage: npm run bench:protocol -- [--runs 3] <before> <after> <benchmark>   (a commit, or . for this checkout as it is; benchmark: bench:ingest, bench:worker, ...)';

const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
/** git in another directory; null when it fails (not a worktree) */
function tryGit(dir: string, ...args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

interface Side {
  /** what the figures are labelled with: the short commit, with "+changes" for an edited checkout */
  label: string;
  dir: string;
}

/** A directory to run a commit's benchmark in: this checkout for `.`, else a worktree of the commit with its dist/ built. */
function checkout(ref: string): Side {
  if (ref === '.') {
    const dirty = git('status', '--porcelain') !== '';
    run(root, 'npm', ['run', 'build']);
    return { label: `${git('rev-parse', '--short', 'HEAD')}${dirty ? '+changes' : ''}`, dir: root };
  }
  const sha = git('rev-parse', '--short', `${ref}^{commit}`);
  const dir = path.join(tmpdir(), `signal-ledger-bench-${sha}`);
  // a worktree left by an earlier run is used again only if it is still that commit, unchanged
  const usable = existsSync(dir) && tryGit(dir, 'rev-parse', '--short', 'HEAD') === sha && tryGit(dir, 'status', '--porcelain') === '';
  if (!usable) {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    git('worktree', 'prune'); // the worktree whose directory is gone
    git('worktree', 'add', '--detach', dir, sha);
  }
  if (!existsSync(path.join(dir, 'node_modules'))) {
    const sameLock = git('show', `${sha}:package-lock.json`) === readFileSync(path.join(root, 'package-lock.json'), 'utf8').trim();
    if (sameLock) symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    else run(dir, 'npm', ['ci']);
  }
  run(dir, 'npm', ['run', 'build']);
  return { label: sha, dir };
}

function run(cwd: string, command: string, args: string[]): { stdout: string; stderr: string } {
  const child = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.status !== 0) throw new Error(`${command} ${args.join(' ')} in ${cwd} exited ${child.status ?? child.signal}:\n${child.stderr.slice(-4000)}`);
  return { stdout: child.stdout, stderr: child.stderr };
}

/** The first columns of the benchmarks' tables (printTable): a table's rows follow its header until a line of one cell. */
const TABLE_KEYS: ReadonlySet<string> = new Set(['store', 'variant', 'run']);

/**
 * The figures of one run's output: every cell of the benchmark's tables that begins with a number, named by its row's
 * first cell (without any parenthesis that holds a number: "tracing on (412 spans exported)") and its column's header;
 * "p50 / p99" cells give both. Then the figures it prints on lines of their own (found below).
 */
export function figuresOf(output: string): Map<string, number> {
  const out = new Map<string, number>();
  /** the header of the table being read: each column's name and where it starts (printTable pads every cell) */
  let header: { name: string; at: number }[] | undefined;
  for (const line of output.split('\n')) {
    const first = /^\S+(?: \S+)*/.exec(line)?.[0];
    if (first !== undefined && TABLE_KEYS.has(first)) {
      header = [...line.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], at: m.index }));
      continue;
    }
    if (header !== undefined && /\S {2,}\S/.test(line)) {
      const columns = header;
      const cellAt = (i: number) => line.slice(columns[i]?.at, columns[i + 1]?.at).trim();
      const row = cellAt(0).replace(/\s*\([^)]*\d[^)]*\)/g, '');
      for (let i = 1; i < columns.length; i++) {
        const name = `${row}: ${columns[i]?.name}`;
        const cell = cellAt(i);
        const pair = /^(\d+(?:\.\d+)?) \/ (\d+(?:\.\d+)?)/.exec(cell);
        if (pair !== null) {
          out.set(`${name} (first)`, Number(pair[1]));
          out.set(`${name} (second)`, Number(pair[2]));
          continue;
        }
        const number = /^-?\d+(?:\.\d+)?/.exec(cell);
        if (number !== null) out.set(name, Number(number[0]));
      }
      continue;
    }
    header = undefined;
    const found = (name: string, pattern: RegExp, group = 1) => {
      const m = pattern.exec(line);
      if (m?.[group] !== undefined) out.set(name, Number(m[group]));
    };
    found('(c) parse only ev/s', /^\(c\) parse only [^:]*: (\d+) ev\/s/);
    found('(e) parse + validate msg/s', /^\(e\) parse \+ validate[^:]*: (\d+) msg\/s/);
    found('(e) UTF-8 + JSON.parse msg/s', /^\(e\) .*JSON\.parse of the same bytes: (\d+) msg\/s/);
    found('(e) parse / (UTF-8 + JSON.parse) %', /^\(e\) parse \+ validate.* = ([\d.]+)%/);
    found('(e) least msg/s', /^\(e\) the least[^:]*: (\d+) msg\/s/);
    found('(e) least / (UTF-8 + JSON.parse) %', /^\(e\) the least.* = ([\d.]+)%/);
    found('(e) least with decimals and timestamp msg/s', /^\(e\) the same least[^:]*: (\d+) msg\/s/);
    found('(e) least with decimals and timestamp / (UTF-8 + JSON.parse) %', /^\(e\) the same least.* = ([\d.]+)%/);
    found('PostgreSQL alone ev/s', /^PostgreSQL alone[^:]*: (\d+) ev\/s/);
    found('SQLite alone ev/s', /^SQLite alone writing the same rows once[^:]*: (\d+) ev\/s/);
    // one line, four figures
    const inTransactions = /^SQLite alone in \(a\)'s transactions[^:]*: (\d+) ev\/s = ([\d.]+) us an event; .* half of \(c\) would leave it ([\d.]+), (\d+)% of which SQLite alone takes/;
    found("SQLite alone in (a)'s transactions ev/s", inTransactions, 1);
    found("SQLite alone in (a)'s transactions us/event", inTransactions, 2);
    found("half of (c) left to (a), us/event", inTransactions, 3);
    found("SQLite alone in (a)'s transactions, share of half (c)'s time %", inTransactions, 4);
    // one line, PostgreSQL's COPY from a client over one connection and over two: ev/s and share of the time the target leaves (a)
    const fromClient =
      /^PostgreSQL alone in \(a\)'s transactions from a client[^:]*: over one connection (\d+) ev\/s = [\d.]+ us an event, [\d.]+% of the server-side floor, (\d+)% of the time .*; two side by side (\d+) ev\/s = [\d.]+ us an event, [\d.]+% of the server-side floor, (\d+)% of the time/;
    found("PostgreSQL alone in (a)'s transactions, one connection ev/s", fromClient, 1);
    found("PostgreSQL alone in (a)'s transactions, one connection, share of the target's time %", fromClient, 2);
    found("PostgreSQL alone in (a)'s transactions, two connections ev/s", fromClient, 3);
    found("PostgreSQL alone in (a)'s transactions, two connections, share of the target's time %", fromClient, 4);
    // one line: (a)'s CPU time an event on PostgreSQL by where it ran, the cores busy, and what the cores give an event at the target's rate
    const applyCpu =
      /^\(a\) on PostgreSQL, CPU time an event: Node's main thread ([\d.]+) us, V8's helper threads [^\d]*([\d.]+), Node's other threads ([\d.]+), PostgreSQL ([\d.]+), all four ([\d.]+) us; ([\d.]+) of \d+ cores busy; at the target's rate the \d+ cores give ([\d.]+) us an event/;
    found("(a) on PostgreSQL, Node's main thread us/event", applyCpu, 1);
    found("(a) on PostgreSQL, V8's helper threads us/event", applyCpu, 2);
    found("(a) on PostgreSQL, Node's other threads us/event", applyCpu, 3);
    found('(a) on PostgreSQL, PostgreSQL us/event', applyCpu, 4);
    found('(a) on PostgreSQL, CPU in all us/event', applyCpu, 5);
    found('(a) on PostgreSQL, cores busy', applyCpu, 6);
    found("(a) on PostgreSQL, CPU an event the cores give at the target's rate us", applyCpu, 7);
    // one line: how busy Node's event loop was in (a) and how much of it its main thread was on a core, and PostgreSQL's CPU an event in (a) against its own COPY of the same rows
    const loopAndCopy = /^\(a\) on PostgreSQL: Node's event loop busy (\d+)% of the run, its main thread on a core (\d+)%; PostgreSQL's CPU an event [\d.]+ us, against ([\d.]+) us when it copies the same rows alone over two connections \(([\d.]+)x\)/;
    found("(a) on PostgreSQL, Node's event loop busy %", loopAndCopy, 1);
    found("(a) on PostgreSQL, Node's main thread on a core %", loopAndCopy, 2);
    found("PostgreSQL alone in (a)'s transactions, two connections, PostgreSQL us/event", loopAndCopy, 3);
    found("(a) on PostgreSQL, PostgreSQL's CPU against its COPY alone", loopAndCopy, 4);
    // one line, five figures; the timed run is (a) again, warm, so its two parts do not add up to (a)'s time
    const timedCalls = /^\(a\) again with each SQLite call timed: ([\d.]+) us an event inside SQLite \(writes ([\d.]+), reads ([\d.]+)\), ([\d.]+) in the rest of the thread .*, (\d+)% of which SQLite's calls take/;
    found('SQLite calls in (a), us/event', timedCalls, 1);
    found('SQLite writes in (a), us/event', timedCalls, 2);
    found('SQLite reads in (a), us/event', timedCalls, 3);
    found('timed run outside SQLite calls, us/event', timedCalls, 4);
    found("SQLite calls in (a), share of half (c)'s time %", timedCalls, 5);
    found('peak RSS MB', /^peak RSS (?![^:]*MALLOC_ARENA_MAX)[^:]*: (\d+) MB/);
    found('peak RSS run s', /^peak RSS (?![^:]*MALLOC_ARENA_MAX).* MB \((?:\d+ events in )?(\d+) s\)/);
    found('peak RSS, capped malloc arenas MB', /^peak RSS [^:]*MALLOC_ARENA_MAX=\d+[^:]*: (\d+) MB/);
    found('peak RSS, capped malloc arenas run s', /^peak RSS [^:]*MALLOC_ARENA_MAX=\d+.* MB \((\d+) s\)/);
    found('(c) consume + parse before ev/s', /mean of (\d+) ev\/s before/);
    found('(c) consume + parse after ev/s', /ev\/s before the database runs and (\d+) ev\/s after/);
    found('bare consumption ev/s', /bare consumption without parsing: (\d+) ev\/s/);
  }
  // ratios of two printed figures: applyBatch against its database alone (on PostgreSQL, a target)
  for (const [store, alone] of [
    ['postgresql', 'PostgreSQL alone'],
    ['postgresql', "PostgreSQL alone in (a)'s transactions, two connections"],
    ['sqlite', 'SQLite alone'],
    ['sqlite', "SQLite alone in (a)'s transactions"],
  ] as const) {
    const applied = out.get(`${store}: (a) applyBatch ev/s`);
    const floor = out.get(`${alone} ev/s`);
    if (applied !== undefined && floor !== undefined) out.set(`${store}: (a) / ${alone} %`, (100 * applied) / floor);
  }
  return out;
}

/** whole numbers from 100, else three significant digits (2.96, 0.0000390) */
const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : String(Number(x.toPrecision(3))));
const summary = (xs: readonly number[]) => (xs.length === 0 ? '-' : `${fmt(median(xs))} (${fmt(Math.min(...xs))} – ${fmt(Math.max(...xs))})`);

/** Reads the command line, runs the rounds and prints the table. */
function main(): void {
  const { values, positionals } = parseArgs({ options: { runs: { type: 'string', default: '3' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const runs = Number(values.runs);
  const [before, after, benchmark] = positionals;
  if (before === undefined || after === undefined || benchmark === undefined || positionals.length !== 3 || !Number.isInteger(runs) || runs < 1) {
    process.stderr.write(`${usage}\n`);
    process.exit(2);
  }
  const sides = [checkout(before), checkout(after)] as const;
  const outDir = path.join(root, 'test-results', 'bench-protocol');
  mkdirSync(outDir, { recursive: true });
  const results = sides.map(() => [] as Map<string, number>[]);
  for (let round = 0; round < runs; round++) {
    // alternate which commit runs first, so neither always meets the machine warmer or busier
    for (const s of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const side = sides[s] as (typeof sides)[number];
      process.stderr.write(`round ${round + 1} of ${runs}: ${benchmark} at ${side.label}\n`);
      const output = run(side.dir, 'npm', ['run', '--silent', benchmark]);
      // named by side too: both sides may be the same commit (an A/A run shows the noise)
      const name = `${benchmark.replace(/\W/g, '-')}-${s === 0 ? 'before' : 'after'}-${side.label}-${round + 1}`;
      writeFileSync(path.join(outDir, `${name}.txt`), output.stdout);
      writeFileSync(path.join(outDir, `${name}.stderr.txt`), output.stderr);
      results[s]?.push(figuresOf(output.stdout));
    }
  }
  const names = [...new Set(results.flatMap((r) => r.flatMap((m) => [...m.keys()])))];
  const column = (s: number, name: string) => (results[s] ?? []).flatMap((m) => (m.has(name) ? [m.get(name) as number] : []));
  process.stdout.write(`${benchmark}: median of ${runs} runs (min – max) per commit, run back to back on this machine, alternating\n\n`);
  process.stdout.write(`| figure | ${sides[0].label} | ${sides[1].label} | ${sides[1].label} / ${sides[0].label} |\n|---|---|---|---|\n`);
  for (const name of names) {
    const [a, b] = [column(0, name), column(1, name)];
    const ratio = a.length > 0 && b.length > 0 && median(a) !== 0 ? (median(b) / median(a)).toFixed(2) : '-';
    process.stdout.write(`| ${name} | ${summary(a)} | ${summary(b)} | ${ratio} |\n`);
  }
  process.stdout.write(`\nthe runs' output: ${path.relative(root, outDir)}/\n`);
}

if (import.meta.main) main();
