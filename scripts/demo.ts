// npm run demo: the main job on one machine. Starts a single-node Kafka (Docker or Apache Kafka's jars),
// creates the topics, starts `signal-ledger worker` on the default SQLite file, publishes a realistic
// stream (duplicates, out of order, bad messages), waits until the worker has caught up, prints the
// report, writes the report page (data/report.html) and stops everything it started. Running it again
// publishes the same stream again: the records do not change (exactly-once effect).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadKafkaConfig } from '../src/config.ts';
import { EVENT_KINDS } from '../src/contract/index.ts';
import { openStore } from '../src/store/index.ts';
import { parseDatabaseUrl } from '../src/store/database-url.ts';
import { countBehind, createKafka, fetchPartitionOffsets } from '../src/worker/index.ts';
import { portAnswers, startLocalKafka, stopLocalKafka } from './kafka-local.ts';
import { pino } from 'pino';

const root = path.join(import.meta.dirname, '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const SIGNALS = 3000;
const say = (line: string) => process.stdout.write(`\n== ${line}\n`);
const run = (args: string[]) => {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`signal-ledger ${args.join(' ')} failed (exit ${r.status})`);
};

const config = loadKafkaConfig();
const port = Number(config.kafka.brokers[0]?.split(':')[1] ?? 9092);
const startedBroker = !(await portAnswers(port));
say(startedBroker ? `starting Kafka on 127.0.0.1:${port}` : `using the Kafka broker already on 127.0.0.1:${port}`);
const broker = await startLocalKafka({ port });
process.stdout.write(`Kafka (${broker.mode}) answers on ${broker.brokers}\n`);
let worker: ChildProcess | null = null;
try {
  say('creating the topics');
  run(['topics', 'create', '--partitions', '6']);

  say(`starting the worker on ${parseDatabaseUrl(config.databaseUrl).url}`);
  worker = spawn(process.execPath, [cli, 'worker', '--metrics-port', '0'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  const exited = new Promise<number | null>((resolve) => worker?.once('exit', (code) => resolve(code)));

  say(`publishing ${SIGNALS} signals' events (10% duplicates, 5% out of order, 1% bad messages)`);
  // a signal a minute on average: about two days of trading, so the report's charts have a shape
  run(['generate', '--produce', '--signals', String(SIGNALS), '--duplicates', '0.1', '--out-of-order', '0.05', '--bad', '0.01', '--seed', '7', '--spacing-ms', '60000']);

  // caught up: the store's checkpoints of the group reach the end offsets of every partition
  const topics = EVENT_KINDS.map((k) => config.topics[k]);
  const ends = new Map([...(await fetchPartitionOffsets(createKafka(config.kafka, pino({ level: 'silent' })), topics))].map(([k, o]) => [k, o.high]));
  const total = [...ends.values()].reduce((n, e) => n + Number(e), 0);
  const store = await openStore({ dbUrl: config.databaseUrl });
  const started = Date.now();
  for (;;) {
    const behind = await countBehind(store, config.groupId, ends);
    const line = `worker: ${total - behind} of ${total} messages in the database`;
    if (process.stdout.isTTY) process.stdout.write(`\r${line}`);
    else if (behind === 0 || (Date.now() - started) % 5_000 < 500) process.stdout.write(`${line}\n`);
    if (behind === 0) break;
    if (Date.now() - started > 300_000) throw new Error(`the worker did not catch up within 5 minutes (${behind} behind)`);
    if (worker.exitCode !== null) throw new Error(`the worker stopped (exit ${worker.exitCode})`);
    await new Promise((r) => setTimeout(r, 500));
  }
  await store.close();
  process.stdout.write(`${process.stdout.isTTY ? '\n' : ''}caught up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

  say('stopping the worker (SIGTERM: it finishes the batch in hand and commits)');
  worker.kill('SIGTERM');
  process.stdout.write(`worker exited with code ${await exited}\n`);
  worker = null;

  say('report');
  run(['report']);
  say('report page (open it in a browser; it works offline)');
  run(['report', '--html', path.join('data', 'report.html')]);
  process.stdout.write(`\nRecords are in ${parseDatabaseUrl(config.databaseUrl).url}. Try: npm run signal-ledger -- signals list --status rejected --limit 5\n`);
} finally {
  worker?.kill('SIGKILL');
  if (startedBroker) {
    say('stopping Kafka');
    // its data stays, so the offsets stay in step with the database's checkpoints for the next run
    await stopLocalKafka({ port, keepData: true });
  }
}
