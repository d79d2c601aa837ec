// npm run profile -- <part>: a CPU profile of one part of the write path, written as a .cpuprofile (open it in
// Chrome DevTools' Performance panel or at speedscope.app for the flame graph) and summed up here: the functions
// with the most samples of their own, and with the most in all they call. Parts:
//   parse              parseMessage of each message's bytes (as the worker meets them)
//   apply-sqlite       applyBatch on SQLite, batches of ingest's default size, fed as ingest feeds them
//   apply-postgresql   the same on PostgreSQL (BENCH_POSTGRES_URL, default the local server)
//   statements-sqlite, statements-postgresql
//                      the same applyBatch runs, not profiled: the time of each SQL statement it runs (the
//                      driver's call, until its result is back: on PostgreSQL the round trip and the server's
//                      work), per statement, against the whole run
//   node-postgresql    applyBatch's Node side on PostgreSQL, fed as apply-postgresql, against a stand-in client that
//                      answers every statement on the next turn of the event loop and stores nothing: CPU µs an event
//                      of Node's main thread and of V8's helper threads, three rounds, then a profile of a fourth. A
//                      lower bound of what the apply path costs Node, without the database's time and noise: every
//                      read finds nothing, so no stored signal is read, folded from its stored state or upserted and no
//                      event is a duplicate of an earlier batch's; inserts other than COPY count no rows (no dead
//                      letters' rollup); pg's encoding of the statements and the socket's calls are left out
//   growth-sqlite, growth-postgresql
//                      applyBatch into one store as it grows, not profiled: µs an event for each tenth of the events
//                      (PROFILE_EVENTS, here by default 1,000,000). PROFILE_ORDERED_IDS=1 gives the event ids that
//                      sort in arrival order instead, of the same lengths (what the audit trail's event_id index costs
//                      when ids come scattered, as derived ids and random ones do); PROFILE_DROP_INDEXES, a
//                      comma-separated list of index names, drops them from the new store first (what they cost):
//                      non-unique ones only, as the apply path's conflict clauses need the unique ones (and on
//                      PostgreSQL a constraint's index cannot be dropped by its name)
//   <file.cpuprofile>  only the summary of a profile written elsewhere (the worker's: docs/benchmarks.md says how)
// PROFILE_EVENTS (default 100,000, for growth-* 1,000,000) sets the size; profiles go to test-results/profiles/.
// Bounded: loopback databases only, a fixed event count.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LIMITS, parseMessage, type ParsedMessage } from '../src/contract/index.ts';
import { type BatchApplier, createBatchApplier } from '../src/ingest/index.ts';
import { quoteIdent } from '../src/store/bulk-sql.ts';
import type { Store } from '../src/store/index.ts';
import { asKafkaMessages, generatorLines, inArrivalOrder, median, spentSince, threadCpu, type ThreadCpu, timedStatements, withFreshStore } from './bench-common.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

const part = process.argv[2] ?? 'parse';
const EVENTS = Number(process.env.PROFILE_EVENTS ?? (part.startsWith('growth-') ? 1_000_000 : 100_000));
/** applyBatch's batches, as ingest feeds them by default */
const BATCH = LIMITS.defaultIngestBatch;
const OUT = path.join(import.meta.dirname, '..', 'test-results', 'profiles');

/** Runs fn under the V8 profiler (1 sample per 100 µs) and returns the profile. */
async function profiled(fn: () => Promise<void>): Promise<CpuProfile> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  let profile: unknown;
  try {
    await fn();
  } finally {
    // stopped even when fn fails, so that the session does not sample on
    profile = (await session.post('Profiler.stop')).profile;
    session.disconnect();
  }
  return profile as CpuProfile;
}

const frameName = (n: ProfileNode) => {
  const f = n.callFrame;
  const file = f.url === '' ? '' : ` ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  return `${f.functionName || '(anonymous)'}${file}`;
};

/** The functions with the most samples of their own (self) and in all they call (total), in percent of the samples. */
export function summarize(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const counts = new Map<number, number>();
  for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, c] of counts) {
    const names = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) names.add(frameName(byId.get(cur) as ProfileNode));
    const own = frameName(byId.get(id) as ProfileNode);
    self.set(own, (self.get(own) ?? 0) + c);
    for (const name of names) total.set(name, (total.get(name) ?? 0) + c);
  }
  const samples = profile.samples.length;
  const table = (m: Map<string, number>) =>
    [...m]
      .filter(([name]) => !['(root)', '(program)', '(idle)'].includes(name))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, c]) => `${((100 * c) / samples).toFixed(1).padStart(6)}%  ${name}`)
      .join('\n');
  return `${samples} samples\n\nself (the function's own code, and the built-ins it calls: JSON.parse, regular expressions)\n${table(self)}\n\ntotal (with all it calls)\n${table(total)}\n`;
}

/** fn on a new store of this kind (a SQLite file in a temporary directory, or a new PostgreSQL database), removed after. */
async function inNewStore<T>(kind: 'sqlite' | 'postgresql', name: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'signal-ledger-profile-'));
  try {
    return await withFreshStore(kind, dir, name, fn);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Applies the messages as ingest feeds them (batches of its default size), and waits until every lane is done. */
async function applyAsIngest(applier: BatchApplier, parsed: readonly ParsedMessage[]): Promise<void> {
  for (let i = 0; i < parsed.length; i += BATCH) await applier.submit(parsed.slice(i, i + BATCH));
  await applier.drain();
}

async function statementTimes(kind: 'sqlite' | 'postgresql'): Promise<string> {
  const parsed: ParsedMessage[] = asKafkaMessages(generatorLines(EVENTS)).map((m) => parseMessage(m));
  const { wall, byLabel } = await inNewStore(kind, 'statements', (store) => timedStatements(() => applyAsIngest(createBatchApplier(store), parsed)));
  const rows = [...byLabel].sort((a, b) => b[1].ms - a[1].ms);
  const inStatements = rows.reduce((n, [, t]) => n + t.ms, 0);
  const lines = rows.map(([label, t]) => `${((100 * t.ms) / wall).toFixed(1).padStart(6)}%  ${t.ms.toFixed(0).padStart(7)} ms  ${String(t.calls).padStart(6)} calls  ${((1000 * t.ms) / EVENTS).toFixed(2).padStart(7)} us/event  ${label}`);
  // PostgreSQL's two lanes run statements side by side: their times can add up to more than the run
  return `applyBatch on ${kind}, ${EVENTS} events in batches of ${BATCH}: ${wall.toFixed(0)} ms, ${((EVENTS / wall) * 1000).toFixed(0)} ev/s; in statements ${inStatements.toFixed(0)} ms (${((100 * inStatements) / wall).toFixed(1)}%; lanes overlap on PostgreSQL)\n\nshare of the run, total, calls, per event, statement\n${lines.join('\n')}\n`;
}

/** applyBatch into one store as it grows: the µs an event of each tenth of EVENTS, parsed before it is timed. */
async function growth(kind: 'sqlite' | 'postgresql', ordered: boolean, dropped: readonly string[]): Promise<string> {
  const raw = asKafkaMessages(generatorLines(EVENTS));
  const step = Math.ceil(EVENTS / 10);
  const ids = new Map<string, string>();
  return inNewStore(kind, 'growth', async (store) => {
    for (const index of dropped) await store.em().getConnection().execute(`drop index if exists ${quoteIdent(index)}`);
    const applier = createBatchApplier(store);
    const perEvent: string[] = [];
    for (let from = 0; from < raw.length; from += step) {
      const parsed = raw.slice(from, from + step).map((m) => parseMessage(m));
      if (ordered) inArrivalOrder(parsed, ids);
      const start = performance.now();
      await applyAsIngest(applier, parsed);
      perEvent.push((((performance.now() - start) * 1000) / parsed.length).toFixed(1));
    }
    const [counts] = await store.em().getConnection().execute<{ events: number | string; signals: number | string; dead: number | string }[]>(
      'select (select count(*) from "signal_events") as "events", (select count(*) from "signals") as "signals", (select count(*) from "dead_letters") as "dead"',
    );
    const variant = `${ordered ? ', event ids in arrival order' : ''}${dropped.length > 0 ? `, without ${dropped.join(', ')}` : ''}`;
    return `applyBatch on ${kind}, ${EVENTS} events in batches of ${Math.min(BATCH, step)}${variant}: us an event of each ${step} as the store grows\n${perEvent.join(' ')}\nthe store then: ${counts?.events} audit rows, ${counts?.signals} signals, ${counts?.dead} dead letters\n`;
  });
}

async function profilePart(part: string): Promise<CpuProfile> {
  const raw = asKafkaMessages(generatorLines(EVENTS));
  if (part === 'parse') {
    for (const m of raw.slice(0, 20_000)) parseMessage(m); // warm up the JIT
    return profiled(async () => {
      for (const m of raw) parseMessage(m);
    });
  }
  const kind = part === 'apply-sqlite' ? 'sqlite' : part === 'apply-postgresql' ? 'postgresql' : null;
  if (kind === null) throw new Error(`unknown part ${JSON.stringify(part)}: parse, apply-sqlite, apply-postgresql or a .cpuprofile file`);
  const parsed: ParsedMessage[] = raw.map((m) => parseMessage(m));
  return inNewStore(kind, 'profile', (store) => profiled(() => applyAsIngest(createBatchApplier(store), parsed)));
}

/**
 * A stand-in for the `pg` pool that applyBatch takes its client from: every statement is answered on the next turn of
 * the event loop, as a socket's answer comes, with no rows (no stored signal, no recorded event) and a count of none; a
 * COPY (pg-copy-streams' submittable, which writes each chunk of data as a 5-byte CopyData header and then the chunk,
 * and CopyDone at the end) is answered as the server would, its rows counted from the lines of its data.
 */
function answeringPool() {
  type CopySubmittable = {
    submit(connection: unknown): void;
    handleCopyInResponse(connection: unknown): void;
    handleCommandComplete(message: { text: string }): void;
    handleReadyForQuery(): void;
  };
  const client = {
    query(statement: string | CopySubmittable, _params?: readonly unknown[]): unknown {
      if (typeof statement === 'string') return new Promise((resolve) => setImmediate(() => resolve({ rowCount: 0, rows: [] })));
      let lines = 0;
      /** the next write is a CopyData message's chunk (its header came before it) */
      let data = false;
      const connection = {
        query() {},
        sendCopyFail() {},
        stream: {
          once() {},
          write(chunk: Buffer) {
            if (data) {
              for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) lines++;
              data = false;
            } else if (chunk[0] === 0x64 /* d: CopyData's header */) {
              data = true;
            } else if (chunk[0] === 0x63 /* c: CopyDone */) {
              // the server's answer, on the next turn
              setImmediate(() => {
                statement.handleCommandComplete({ text: `COPY ${lines}` });
                statement.handleReadyForQuery();
              });
            } else {
              throw new Error(`the stand-in client got a COPY message it does not know (${chunk[0]})`);
            }
            return true;
          },
        },
      };
      statement.submit(connection);
      setImmediate(() => statement.handleCopyInResponse(connection));
      return statement;
    },
    release() {},
  };
  return { connect: async () => client };
}

/** node-postgresql: applyBatch's Node side against answeringPool, three timed rounds and a profiled fourth. */
async function nodeSide(): Promise<string> {
  const parsed: ParsedMessage[] = asKafkaMessages(generatorLines(EVENTS)).map((m) => parseMessage(m));
  const pool = answeringPool();
  const store = { dialect: 'postgresql', em: () => ({ getConnection: () => ({ getNativeClient: async () => pool }) }) } as unknown as Store;
  const rounds: string[] = [];
  const main: number[] = [];
  const v8: number[] = [];
  if (threadCpu() === undefined) throw new Error('node-postgresql reads the threads\' CPU time from /proc/self/task: Linux only');
  for (let round = 1; round <= 3; round++) {
    const before = threadCpu() as ThreadCpu;
    await applyAsIngest(createBatchApplier(store), parsed);
    const spent = spentSince(before, threadCpu() as ThreadCpu);
    main.push((1e6 * spent.main) / EVENTS);
    v8.push((1e6 * spent.v8) / EVENTS);
    rounds.push(`round ${round}: Node's main thread ${(main.at(-1) as number).toFixed(1)} us an event, V8's helper threads ${(v8.at(-1) as number).toFixed(1)}`);
  }
  const profile = await profiled(() => applyAsIngest(createBatchApplier(store), parsed));
  mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, 'node-postgresql.cpuprofile');
  writeFileSync(file, JSON.stringify(profile));
  return `applyBatch's Node side on postgresql, no database, ${EVENTS} events in batches of ${BATCH}\n${rounds.join('\n')}\nmedians: main thread ${median(main).toFixed(1)} us an event, V8's helper threads ${median(v8).toFixed(1)}\n\na fourth round profiled: ${path.relative(process.cwd(), file)}\n${summarize(profile)}`;
}

if (part === 'node-postgresql') {
  process.stdout.write(await nodeSide());
} else if (part === 'growth-sqlite' || part === 'growth-postgresql') {
  const dropped = (process.env.PROFILE_DROP_INDEXES ?? '').split(',').filter((name) => name !== '');
  process.stdout.write(await growth(part === 'growth-sqlite' ? 'sqlite' : 'postgresql', process.env.PROFILE_ORDERED_IDS === '1', dropped));
} else if (part === 'statements-sqlite' || part === 'statements-postgresql') {
  process.stdout.write(await statementTimes(part === 'statements-sqlite' ? 'sqlite' : 'postgresql'));
} else if (part.endsWith('.cpuprofile')) {
  process.stdout.write(summarize(JSON.parse(readFileSync(part, 'utf8')) as CpuProfile));
} else {
  const profile = await profilePart(part);
  mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, `${part}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  process.stdout.write(`${part}, ${EVENTS} events: ${path.relative(process.cwd(), file)}\n${summarize(profile)}`);
}
