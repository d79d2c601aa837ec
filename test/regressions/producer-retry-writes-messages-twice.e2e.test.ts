// Regression: `generate --produce` (and every test that publishes through produceEventLines) wrote
// messages twice on topics created moments before. When one partition of a produce request failed
// (its leader not known yet), kafkajs sent the whole request to the broker again, and the partitions
// that had taken their batch took it a second time: 5 of 10 runs of the poison-message workload on
// 2-partition topics, 8 of 8 on 6-partition topics, and CI saw each dead letter twice. The producer is
// now idempotent (producer id and sequence numbers), so the broker drops the repeated batches, and a
// keyless message keeps its partition on a retry (kafkajs's round-robin counter would move it, and the
// broker would refuse the batch: "out of order sequence number"); the workload includes keyless lines.
import { describe, expect, it } from 'vitest';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { runCliAsync } from '../helpers/cli.ts';
import { deleteTestTopics } from '../helpers/kafka-clients.ts';
import { createTestTopics, endOffsets, produce, testKafkaConfig, topicsOf } from '../helpers/worker.ts';

describe('publishing to topics created a moment before (produceEventLines, as generate --produce does)', () => {
  it('writes each message once: the end offsets add up to the count it reports, run after run', async () => {
    for (let run = 0; run < 3; run++) {
      const config = testKafkaConfig('sqlite:///:memory:');
      try {
        await createTestTopics(config, 6);
        const sent = await produce(config, generateEvents({ signals: 40, bad: 0.1, seed: run + 1 }));
        expect(sent).toBeGreaterThan(100);
        const onTopics = [...(await endOffsets(config)).values()].reduce((a, b) => a + b, 0n);
        expect(onTopics, `run ${run}`).toBe(BigInt(sent));
      } finally {
        await deleteTestTopics(config, topicsOf(config));
      }
    }
  });
});

describe('topics create', () => {
  it('takes --partitions in decimal digits only, naming the flag', async () => {
    for (const bad of ['0x10', '1e1', '0', '10001']) {
      const r = await runCliAsync(['topics', 'create', '--partitions', bad], { env: { KAFKA_BROKERS: '127.0.0.1:1' } });
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toMatch(/--partitions/);
    }
  });
});
