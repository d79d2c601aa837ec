// `topics create` and `replay` against a real broker, as the command line prints them: which topics were
// created with how many partitions (and that a second run leaves them), and replay's summary, as JSON and as
// text, under a fresh group or the one given, with the store equal to the independent fold of the events.
// Small workloads: this file also runs in the CLI mutation pass (test/mutation/stryker.cli.config.mjs),
// where each test reruns for every mutant of the commands it reaches. The built command as a subprocess.
import { describe, expect, it } from 'vitest';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { openStore } from '../../src/store/index.ts';
import { createKafka } from '../../src/worker/index.ts';
import { runCli, runCliAsync } from '../helpers/cli.ts';
import { createTestDatabase } from '../helpers/databases.ts';
import { createTestTopics, endOffsets, produce, quietLogger, testKafkaConfig, topicsOf } from '../helpers/worker.ts';
import { expectLedger, recordsOf } from '../helpers/workload.ts';

describe('the Kafka commands against a real broker', () => {
  it('topics create makes the five topics and the dead-letter topic with the partitions asked for, and a second run leaves them as they are', async () => {
    const config = testKafkaConfig('sqlite:///:memory:', { KAFKA_DLQ_TOPIC: `dlq${Date.now()}` });
    const names = [...topicsOf(config), config.deadLetterTopic as string];
    const first = await runCliAsync(['topics', 'create', '--partitions', '3'], { env: config.env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(names.map((n) => `${n}: created with 3 partitions\n`).join(''));
    const admin = createKafka(config.kafka, quietLogger()).admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: names });
      expect(topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual(names.map((n) => [n, 3]).sort());
    } finally {
      await admin.disconnect();
    }
    const again = await runCliAsync(['topics', 'create', '--partitions', '5'], { env: config.env });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(names.map((n) => `${n}: exists\n`).join(''));
  });

  it('replay reads every topic from its beginning under a fresh group into the database and prints its summary', async () => {
    const lines = [...generateEvents({ signals: 40, duplicates: 0.1, outOfOrder: 0.1, bad: 0.05, seed: 21 })];
    const db = await createTestDatabase('sqlite-file');
    try {
      const config = testKafkaConfig(db.url);
      await createTestTopics(config, 2);
      const published = await produce(config, lines);
      const json = await runCliAsync(['replay', '--json'], { env: config.env });
      expect(json.code, json.stderr).toBe(0);
      const summary = JSON.parse(json.stdout) as Record<string, unknown>;
      expect(Object.keys(summary)).toEqual(['group', 'messages', 'consumed', 'applied', 'duplicates', 'dead_letters', 'seconds']);
      expect(summary.group).toMatch(new RegExp(`^${config.groupId}\\.replay\\.\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d-\\d{3}Z$`));
      expect(summary).toMatchObject({ messages: published, consumed: published });
      expect((summary.applied as number) + (summary.duplicates as number) + (summary.dead_letters as number)).toBe(published);
      expect(summary.dead_letters).toBeGreaterThan(0);
      expect(summary.seconds).toBeGreaterThan(0);
      const store = await openStore({ dbUrl: db.url });
      try {
        await expectLedger(store, await recordsOf(lines));
      } finally {
        await store.close();
      }

      // again under a group of our own, as text: everything is a duplicate or a dead letter already recorded
      const text = await runCliAsync(['replay', '--group-id', `${config.groupId}.mine`], { env: config.env });
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(
        new RegExp(`^replayed ${published} messages under group ${config.groupId}\\.mine: applied 0, duplicates \\d+, dead letters ${summary.dead_letters as number}, \\d+\\.\\d s\\n$`),
      );
    } finally {
      await db.drop();
    }
  });

  it('replay of empty topics prints a summary of nothing and stops at once', async () => {
    const db = await createTestDatabase('sqlite-file');
    try {
      const config = testKafkaConfig(db.url);
      await createTestTopics(config, 1);
      const r = await runCliAsync(['replay', '--json'], { env: config.env });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ messages: 0, consumed: 0, applied: 0, duplicates: 0, dead_letters: 0 });
    } finally {
      await db.drop();
    }
  });

  it('generate --produce publishes the file it would write to the topics and says how many, where and how compressed', async () => {
    const config = testKafkaConfig('sqlite:///:memory:');
    await createTestTopics(config, 1);
    const r = await runCliAsync(['generate', '--produce', '--signals', '5', '--seed', '3', '--compression', 'gzip'], { env: config.env });
    expect(r.code, r.stderr).toBe(0);
    const written = runCli(['generate', '--signals', '5', '--seed', '3']).stdout.trimEnd().split('\n').length;
    expect(r.stderr).toBe(`published ${written} messages for 5 signals to ${config.env.KAFKA_BROKERS} (compression gzip)\n`);
    const offsets = await endOffsets(config);
    expect([...offsets.values()].reduce((n, o) => n + Number(o), 0)).toBe(written);
  });
});
