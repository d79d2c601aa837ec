// The Kafka commands (worker, replay, topics create) as far as they go without a broker: each flag reaches
// its setting (a bad value is refused naming the flag, exit 2, before anything is connected to), a flag
// overrides its environment variable, and a bad environment variable is named when no flag is given.
// What they do with a broker is tested in test/worker/ (create-worker.e2e: replay, SIGTERM, 130 on a second
// signal; create-worker.poison.e2e: strict mode's exit 4). The built command as a subprocess.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';

const work = scratchDir('kafka-commands');
const DB = 'sqlite:///kafka-commands.db';
const cli = (args: string[], env: Record<string, string> = {}) => runCli(['--db', DB, ...args], { cwd: work, env: { KAFKA_BROKERS: '127.0.0.1:1', ...env } });

const BROKERS = '--brokers: a comma-separated list of host:port, such as 127.0.0.1:9092';
const ON_INVALID = '--on-invalid: one of dead-letter, stop';
const NAIVE = '--naive-timestamps: one of reject, utc';
const DLQ = '--dlq-topic: a Kafka topic name: 1 to 249 of letters, digits, ".", "_", "-"';

describe('the Kafka commands pass each flag to its setting', () => {
  it.each([
    [['worker', '--brokers', 'no-port'], BROKERS],
    [['worker', '--max-batch', '5001'], '--max-batch: a whole number from 1 to 5000'],
    [['worker', '--metrics-port', '65536'], '--metrics-port: a whole number from 0 to 65535'],
    [['worker', '--compression', 'brotli'], '--compression: one of none, gzip, snappy, lz4, zstd'],
    [['worker', '--on-invalid', 'skip'], ON_INVALID],
    [['worker', '--naive-timestamps', 'local'], NAIVE],
    [['worker', '--dlq-topic', 'a/b'], DLQ],
    [['worker', '--group-id', 'g'.repeat(256)], '--group-id: '],
    [['replay', '--brokers', 'no-port'], BROKERS],
    [['replay', '--on-invalid', 'skip'], ON_INVALID],
    [['replay', '--naive-timestamps', 'local'], NAIVE],
    [['topics', 'create', '--brokers', 'no-port'], BROKERS],
    [['topics', 'create', '--dlq-topic', 'a/b'], DLQ],
    [['topics', 'create', '--partitions', '0'], '--partitions: a whole number from 1 to 10000 (got "0")'],
    [['topics', 'create', '--replication-factor', '33'], '--replication-factor: a whole number from 1 to 32 (got "33")'],
  ])('%j is refused naming the flag, exit code 2', (args, message) => {
    const r = cli(args);
    expect(r.stderr).toContain(`signal-ledger: ${message}`);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.code).toBe(2);
  });

  it('a flag overrides its environment variable, and a bad variable is named when no flag is given', () => {
    const env = { WORKER_MAX_BATCH: '0', KAFKA_COMPRESSION: 'brotli' };
    expect(cli(['worker'], env).stderr).toContain('signal-ledger: WORKER_MAX_BATCH: a whole number from 1 to 5000');
    // a good flag over the bad variable: the next setting checked is the one refused
    expect(cli(['worker', '--max-batch', '10'], env).stderr).toContain('signal-ledger: KAFKA_COMPRESSION: one of none, gzip, snappy, lz4, zstd');
    expect(cli(['worker', '--max-batch', '10', '--compression', 'gzip', '--on-invalid', 'skip'], env).stderr).toContain(`signal-ledger: ${ON_INVALID}`);
    expect(cli(['replay'], { KAFKA_BROKERS: 'no-port' }).stderr).toContain('signal-ledger: KAFKA_BROKERS: a comma-separated list');
    expect(cli(['topics', 'create'], { KAFKA_DLQ_TOPIC: 'a/b' }).stderr).toContain('signal-ledger: KAFKA_DLQ_TOPIC: a Kafka topic name');
  });

  it('the database setting comes from --db before any broker is reached: a bad URL is refused naming --db, exit 2', () => {
    for (const args of [['worker'], ['replay']]) {
      const r = runCli(['--db', 'mysql://x', ...args], { cwd: work, env: { KAFKA_BROKERS: '127.0.0.1:1' } });
      expect(r.stderr, args[0]).toMatch(/^signal-ledger: --db: /);
      expect(r.code, args[0]).toBe(2);
    }
  });
});
