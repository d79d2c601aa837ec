// Regression (found writing the broker-less command tests, issue 13): flags override the environment, yet
// `worker --max-batch 10` with WORKER_MAX_BATCH=0 in the environment was refused with "WORKER_MAX_BATCH: a
// whole number from 1 to 5000": the database settings were read first, validating every variable with only
// --db, --naive-timestamps and --max-line-bytes laid over them, before the Kafka flags were. Now every flag
// given is laid over its variable before anything is validated.
import { describe, expect, it } from 'vitest';
import { loadConfig, loadKafkaConfig } from '../../src/config.ts';

describe('a flag given over a bad environment variable', () => {
  it.each([
    ['maxBatch', 'WORKER_MAX_BATCH', '0', '10', 'maxBatch', 10],
    ['partitionBuffer', 'WORKER_PARTITION_BUFFER', '0', '800', 'partitionBuffer', 800],
    ['metricsPort', 'METRICS_PORT', 'x', '0', 'metricsPort', 0],
    ['metricsHost', 'METRICS_HOST', 'a b', '0.0.0.0', 'metricsHost', '0.0.0.0'],
    ['compression', 'KAFKA_COMPRESSION', 'brotli', 'zstd', 'compression', 'zstd'],
    ['onInvalid', 'WORKER_ON_INVALID', 'skip', 'stop', 'onInvalid', 'stop'],
    ['groupId', 'KAFKA_GROUP_ID', 'g'.repeat(256), 'g', 'groupId', 'g'],
    ['dlqTopic', 'KAFKA_DLQ_TOPIC', 'a/b', 'dlq', 'deadLetterTopic', 'dlq'],
    ['naiveTimestamps', 'NAIVE_TIMESTAMPS', 'local', 'utc', 'naiveTimestamps', 'utc'],
  ] as const)('--%s overrides %s and the bad value is never read', (flag, variable, bad, good, field, expected) => {
    const config = loadKafkaConfig({ [flag]: good }, { [variable]: bad });
    expect(config[field]).toBe(expected);
  });

  it('--brokers overrides KAFKA_BROKERS', () => {
    expect(loadKafkaConfig({ brokers: 'k:9092' }, { KAFKA_BROKERS: 'no-port' }).kafka.brokers).toEqual(['k:9092']);
  });

  it('--max-line-bytes and --naive-timestamps override theirs for the commands without Kafka', () => {
    expect(loadConfig({ maxLineBytes: '2048', naiveTimestamps: 'utc' }, { INGEST_MAX_LINE_BYTES: '1', NAIVE_TIMESTAMPS: 'local' })).toMatchObject({ maxLineBytes: 2048, naiveTimestamps: 'utc' });
  });

  it('a bad variable no flag overrides is still refused, named as the variable', () => {
    expect(() => loadKafkaConfig({ maxBatch: '10' }, { WORKER_MAX_BATCH: '0', KAFKA_COMPRESSION: 'brotli' })).toThrow(/^KAFKA_COMPRESSION: one of none, gzip, snappy, lz4, zstd/);
  });
});
