import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKafkaConfig } from '../src/config.ts';
import { scratchDir } from './helpers/scratch.ts';

const badSetting = (env: Record<string, string>, flags = {}) => {
  try {
    loadKafkaConfig(flags, env);
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
};

/** TLS files for the tests that read them, removed after the file's tests (this folder once stayed behind in /tmp). */
const tls = scratchDir('tls');

describe('Kafka settings', () => {
  it('defaults: local broker, group signal-ledger, the contract topic names, no TLS or SASL', () => {
    const c = loadKafkaConfig({}, {});
    expect(c.kafka).toEqual({ brokers: ['127.0.0.1:9092'], clientId: 'signal-ledger' });
    expect(c.groupId).toBe('signal-ledger');
    expect(c.topics).toEqual({ generated: 'signals.generated', risk: 'signals.risk', submitted: 'orders.submitted', filled: 'orders.filled', outcome: 'signals.outcome' });
    expect(c.deadLetterTopic).toBeNull();
  });

  it('a prefix applies to every topic, a per-topic override replaces one name, flags beat the environment', () => {
    const c = loadKafkaConfig({ brokers: 'k1:9093,k2:9093', groupId: 'ledger-b' }, { KAFKA_TOPIC_PREFIX: 'prod.', KAFKA_TOPIC_ORDERS_FILLED: 'exec.fills', KAFKA_BROKERS: 'x:1', KAFKA_GROUP_ID: 'a' });
    expect(c.topics.generated).toBe('prod.signals.generated');
    expect(c.topics.filled).toBe('exec.fills');
    expect(c.kafka.brokers).toEqual(['k1:9093', 'k2:9093']);
    expect(c.groupId).toBe('ledger-b');
    expect(c.maxBatch).toBe(4000);
    expect(loadKafkaConfig({ maxBatch: '250' }, { WORKER_MAX_BATCH: '100' }).maxBatch).toBe(250);
  });

  it('each bad value is one line naming the setting', () => {
    expect(badSetting({ KAFKA_BROKERS: 'localhost' })).toMatch(/^KAFKA_BROKERS: a comma-separated list of host:port/);
    expect(badSetting({}, { brokers: 'nope' })).toMatch(/^--brokers: /);
    expect(badSetting({ KAFKA_TOPIC_PREFIX: 'bad prefix/' })).toMatch(/^KAFKA_TOPIC_PREFIX: /);
    expect(badSetting({ KAFKA_TOPIC_SIGNALS_RISK: 'signals.generated' })).toMatch(/^KAFKA_TOPIC_\*: two event kinds share one topic/);
    expect(badSetting({ KAFKA_SASL_MECHANISM: 'gssapi' })).toMatch(/^KAFKA_SASL_MECHANISM: /);
    expect(badSetting({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u' })).toMatch(/^KAFKA_SASL_PASSWORD: required/);
    expect(badSetting({ KAFKA_SASL_PASSWORD: 'p' })).toMatch(/^KAFKA_SASL_MECHANISM: required/);
    expect(badSetting({ KAFKA_SSL_CA: '/no/such/ca.pem' })).toMatch(/^KAFKA_SSL_CA: cannot read \/no\/such\/ca.pem: ENOENT/);
    expect(badSetting({ KAFKA_SSL_CERT: '/tmp/x' })).toMatch(/^KAFKA_SSL_KEY: a client certificate needs both/);
    expect(badSetting({ METRICS_PORT: '70000' })).toMatch(/^METRICS_PORT: /);
    expect(badSetting({ WORKER_MAX_BATCH: '5001' })).toMatch(/^WORKER_MAX_BATCH: /);
    expect(badSetting({}, { maxBatch: '0' })).toMatch(/^--max-batch: /);
    for (const message of [badSetting({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'hunter2', KAFKA_BROKERS: 'bad' })]) {
      expect(message).not.toMatch(/hunter2/);
    }
  });

  it('TLS files are read at start and SASL is passed to the client', () => {
    const dir = tls;
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(dir, f), `-----BEGIN ${f}-----\n`);
    const c = loadKafkaConfig({}, {
      KAFKA_SSL_CA: path.join(dir, 'ca.pem'), KAFKA_SSL_CERT: path.join(dir, 'cert.pem'), KAFKA_SSL_KEY: path.join(dir, 'key.pem'),
      KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'ledger', KAFKA_SASL_PASSWORD: 'secret',
    });
    expect(c.kafka.ssl).toEqual({ ca: '-----BEGIN ca.pem-----\n', cert: '-----BEGIN cert.pem-----\n', key: '-----BEGIN key.pem-----\n' });
    expect(c.kafka.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'ledger', password: 'secret' });
    expect(loadKafkaConfig({}, { KAFKA_SSL: 'true' }).kafka.ssl).toBe(true);
  });
});

describe('logs', () => {
  it('never print a secret, whatever the caller logs', async () => {
    const { createLogger } = await import('../src/cli/logger.ts');
    const lines: string[] = [];
    const logger = await createLogger('info', { write: (line) => void lines.push(line) });
    logger.info({ sasl: { password: 'hunter2' }, config: { password: 'hunter3', databaseUrl: 'postgresql://u:pw@h/db' } }, 'starting');
    const text = lines.join('');
    expect(text).toMatch(/starting/);
    expect(text).not.toMatch(/hunter2|hunter3|pw@/);
  });
});
