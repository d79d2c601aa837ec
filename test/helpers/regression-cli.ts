// Shared by the regression tests in test/regressions/: the built command line as a subprocess, event
// lines written by hand, and what a database holds afterwards (dead letters, audit payloads, records).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { JsonObject } from '../../src/contract/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './databases.ts';
import type { EventLine } from '../../src/simulate/generate-events.ts';
import { createTestTopics, produce, testKafkaConfig, waitUntilCaughtUp } from './worker.ts';

/** The built command line; `npm run build` writes it (npm test does so first). */
export const distMain = path.join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `signal-ledger` from dist/ with this Node, in `cwd`, with DATABASE_URL cleared unless `env` sets
 * it; killed after `timeoutMs` (default 60 s; then code is null), so a hang fails the test in time.
 */
export function runCli(args: readonly string[], options: { cwd: string; env?: Record<string, string>; input?: string; timeoutMs?: number }): CliResult {
  if (!existsSync(distMain)) throw new Error(`${distMain} is missing: run npm run build first`);
  const r = spawnSync(process.execPath, [distMain, ...args], {
    cwd: options.cwd,
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeoutMs ?? 60_000,
    env: { ...process.env, DATABASE_URL: '', ...options.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `ingest FILE --json` (plus `flags`) into a database: the exit code, stderr and the parsed summary (null when none was printed). */
export function ingestFile(dbUrl: string, file: string, options: { cwd: string; flags?: readonly string[]; env?: Record<string, string>; timeoutMs?: number }) {
  const r = runCli(['--db', dbUrl, 'ingest', file, '--json', ...(options.flags ?? [])], options);
  return { code: r.code, stderr: r.stderr, summary: r.stdout === '' ? null : (JSON.parse(r.stdout) as Record<string, number>) };
}

/** Makes fresh databases of one kind for the enclosing describe block; they are dropped after its tests. */
export function freshDatabases(kind: DatabaseKind): () => Promise<TestDatabase> {
  const dbs: TestDatabase[] = [];
  afterAll(async () => void (await Promise.all(dbs.map((db) => db.drop()))));
  return async () => {
    const db = await createTestDatabase(kind);
    dbs.push(db);
    return db;
  };
}

/** A scratch directory for this test file, removed after its tests. */
export function scratchDir(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `signal-ledger-${name}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A valid signal-generated value; `extra` adds or replaces fields. */
export function generatedValue(signalId: string, extra: JsonObject = {}): JsonObject {
  return {
    signal_id: signalId,
    occurred_at: '2026-01-05T14:30:00.150Z',
    strategy_name: 'momentum',
    symbol: 'AAPL',
    side: 'buy',
    confidence: 0.8,
    sharpe_estimate: 1.5,
    entry_price: '150.25',
    event_id: `${signalId}:generated`,
    ...extra,
  };
}

/** A valid risk-decision value (passed). */
export function riskValue(signalId: string, extra: JsonObject = {}): JsonObject {
  return { signal_id: signalId, occurred_at: '2026-01-05T14:30:01Z', passed: true, event_id: `${signalId}:risk`, ...extra };
}

/** One NDJSON line of an exported topic; a string value is put in as the raw text of the value object. */
export function eventLine(topic: string, key: string | null, value: JsonObject | string): string {
  if (typeof value === 'string') return `{"topic":${JSON.stringify(topic)},"key":${JSON.stringify(key)},"value":${value}}`;
  return JSON.stringify({ topic, key, value });
}

/** Writes lines (text or exact bytes) as an NDJSON file and returns its path. */
export function writeLines(dir: string, name: string, lines: readonly (string | Buffer)[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, Buffer.concat(lines.flatMap((l) => [typeof l === 'string' ? Buffer.from(l, 'utf8') : l, Buffer.from('\n')])));
  return file;
}

/** Runs one query on a database, opening and closing a store around it. */
export async function queryRows<T = Record<string, unknown>>(dbUrl: string, sql: string): Promise<T[]> {
  const store = await openStore({ dbUrl });
  try {
    return await store.em().getConnection().execute<T[]>(sql);
  } finally {
    await store.close();
  }
}

export interface StoredDeadLetter {
  source: string;
  topic: string | null;
  message_key: string | null;
  raw_value: string | null;
  problems: { path: string; message: string }[];
  event_id: string | null;
  signal_id: string | null;
}

/** The dead letters of a database in source order (file:2 before file:10), problems parsed (jsonb on PostgreSQL, text on SQLite). */
export async function readDeadLetters(dbUrl: string): Promise<StoredDeadLetter[]> {
  const rows = await queryRows<StoredDeadLetter & { problems: unknown }>(
    dbUrl,
    'select "source", "topic", "message_key", "raw_value", "problems", "event_id", "signal_id" from "dead_letters" order by "id"',
  );
  return rows
    .map((r) => ({ ...r, problems: (typeof r.problems === 'string' ? JSON.parse(r.problems) : r.problems) as StoredDeadLetter['problems'] }))
    .sort((a, b) => a.source.localeCompare(b.source, 'en', { numeric: true }));
}

/** The audit trail of a database: event id, signal and the payload text, in event_id order. */
export async function readAuditPayloads(dbUrl: string): Promise<{ event_id: string; signal_id: string; payload: string }[]> {
  const rows = await queryRows<{ event_id: string; signal_id: string; payload: string }>(dbUrl, 'select "event_id", "signal_id", "payload" from "signal_events"');
  return rows.sort((a, b) => (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0));
}

/** `signals list --all --json` of a database, parsed, without the two wall-clock columns. */
export function listRecords(dbUrl: string, cwd: string): JsonObject[] {
  const r = runCli(['--db', dbUrl, 'signals', 'list', '--all', '--limit', '1000', '--json'], { cwd });
  if (r.code !== 0) throw new Error(`signals list failed (${r.code}): ${r.stderr}`);
  return (JSON.parse(r.stdout) as JsonObject[]).map(({ created_at: _c, updated_at: _u, ...rest }) => rest);
}

/** One run of the worker command: its exit and output, and the database it wrote. */
export interface WorkerRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  store: Store;
  dbUrl: string;
  config: ReturnType<typeof testKafkaConfig>;
}

/**
 * Publishes `lines` to fresh one-partition topics, runs `signal-ledger worker` from dist/ over them into
 * a fresh database of `kind` until the store's checkpoints reach the end offsets, stops it with SIGTERM
 * and hands the run to `check`; the database is dropped after. A worker that exits before it has caught
 * up fails the test at once with what it wrote.
 */
export async function withWorkerRun(kind: DatabaseKind, lines: readonly EventLine[], check: (run: WorkerRun) => Promise<void>): Promise<void> {
  const db = await createTestDatabase(kind);
  const config = testKafkaConfig(db.url);
  const store = await openStore({ dbUrl: db.url });
  try {
    await createTestTopics(config, 1);
    await produce(config, lines);
    const env = { DATABASE_URL: db.url, KAFKA_TOPIC_PREFIX: config.env.KAFKA_TOPIC_PREFIX as string, KAFKA_GROUP_ID: config.groupId, LOG_LEVEL: 'warn' };
    const child = spawn(process.execPath, [distMain, 'worker', '--brokers', config.env.KAFKA_BROKERS as string, '--metrics-port', '0'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    try {
      await Promise.race([
        waitUntilCaughtUp(store, config, config.groupId, 60_000),
        exited.then(({ code, signal }) => {
          throw new Error(`the worker exited (${code ?? signal}) before reaching the end of the topics:\n${output}`);
        }),
      ]);
      child.kill('SIGTERM');
      await check({ ...(await exited), output, store, dbUrl: db.url, config });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  } finally {
    await store.close();
    await db.drop();
  }
}
