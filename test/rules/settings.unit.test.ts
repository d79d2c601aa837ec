// the settings table (docs/settings.md) and docs/commands.md: the defaults and ranges they state, read from
// the configuration loader (src/config.ts) with an empty environment. Pinned elsewhere (not repeated
// here): test/config.unit.test.ts brokers 127.0.0.1:9092, group signal-ledger, the contract's topic names,
// WORKER_MAX_BATCH default 4000 and 5001 refused, --max-batch 0 refused, METRICS_PORT 70000 refused.
// The same defaults as --help prints them: cli.e2e.test.ts in this folder.
import { describe, expect, it } from 'vitest';
import { defaultPartitionBuffer, loadConfig, loadKafkaConfig } from '../../src/config.ts';

const refusal = (env: Record<string, string>, flags = {}) => {
  try {
    loadKafkaConfig(flags, env);
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
};

describe('defaults of the settings docs/settings.md states', () => {
  it('with nothing set: sqlite:///data/signals.db, metrics on 9464, dead letters, offset-less timestamps refused, no compression, 2 MiB lines', () => {
    const c = loadKafkaConfig({}, {});
    expect(c).toMatchObject({
      databaseUrl: 'sqlite:///data/signals.db',
      metricsPort: 9464,
      metricsHost: '127.0.0.1',
      onInvalid: 'dead-letter',
      naiveTimestamps: 'reject',
      compression: 'none',
      maxLineBytes: 2_097_152,
    });
  });

  it('the database is --db, else DATABASE_URL, else the default; an empty DATABASE_URL counts as unset', () => {
    expect(loadConfig({ db: 'sqlite:///flag.db' }, { DATABASE_URL: 'sqlite:///env.db' }).databaseUrl).toBe('sqlite:///flag.db');
    expect(loadConfig({}, { DATABASE_URL: 'sqlite:///env.db' }).databaseUrl).toBe('sqlite:///env.db');
    expect(loadConfig({}, { DATABASE_URL: '' }).databaseUrl).toBe('sqlite:///data/signals.db');
  });

  it('a flag overrides its environment variable: --metrics-port 0 (any free port) over METRICS_PORT', () => {
    expect(loadKafkaConfig({ metricsPort: '0' }, { METRICS_PORT: '9000' }).metricsPort).toBe(0);
    expect(loadKafkaConfig({}, { METRICS_PORT: '9000' }).metricsPort).toBe(9000);
  });
});

describe('ranges of the settings docs/settings.md states', () => {
  it('METRICS_PORT: 0 to 65535, decimal digits only', () => {
    expect(loadKafkaConfig({}, { METRICS_PORT: '65535' }).metricsPort).toBe(65535);
    expect(refusal({ METRICS_PORT: '65536' })).toMatch(/^METRICS_PORT: a whole number from 0 to 65535/);
    expect(refusal({ METRICS_PORT: '0x10' })).toMatch(/^METRICS_PORT: /);
    expect(refusal({ METRICS_PORT: '1e3' })).toMatch(/^METRICS_PORT: /);
  });

  it('METRICS_HOST / --metrics-host: an IPv4 or IPv6 address or a host name, nothing else', () => {
    expect(loadKafkaConfig({}, { METRICS_HOST: '0.0.0.0' }).metricsHost).toBe('0.0.0.0');
    expect(loadKafkaConfig({}, { METRICS_HOST: '::' }).metricsHost).toBe('::');
    expect(loadKafkaConfig({}, { METRICS_HOST: 'worker-0.ledger.svc' }).metricsHost).toBe('worker-0.ledger.svc');
    expect(loadKafkaConfig({ metricsHost: '::1' }, { METRICS_HOST: '0.0.0.0' }).metricsHost).toBe('::1');
    expect(refusal({ METRICS_HOST: '0.0.0.0:9464' })).toBe('METRICS_HOST: an IP address or host name to listen on, such as 127.0.0.1, 0.0.0.0 or ::');
    expect(refusal({}, { metricsHost: 'two words' })).toMatch(/^--metrics-host: an IP address or host name/);
  });

  it('tracing: off by default; OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces, or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is; http(s) URLs only', () => {
    expect(loadKafkaConfig({}, {}).tracing).toEqual({ tracesUrl: null, serviceName: 'signal-ledger' });
    expect(loadKafkaConfig({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing.tracesUrl).toBe('http://collector:4318/v1/traces');
    expect(loadKafkaConfig({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://t.example/in' }).tracing.tracesUrl).toBe('https://t.example/in');
    expect(loadKafkaConfig({}, { OTEL_SERVICE_NAME: 'ledger-eu' }).tracing.serviceName).toBe('ledger-eu');
    expect(refusal({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toBe('OTEL_EXPORTER_OTLP_ENDPOINT: an http:// or https:// URL of an OTLP/HTTP receiver');
    expect(refusal({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://collector:4317' })).toMatch(/^OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: /);
  });

  it('WORKER_MAX_BATCH / --max-batch: 1 to 5,000', () => {
    expect(loadKafkaConfig({}, { WORKER_MAX_BATCH: '1' }).maxBatch).toBe(1);
    expect(loadKafkaConfig({}, { WORKER_MAX_BATCH: '5000' }).maxBatch).toBe(5000);
    expect(refusal({ WORKER_MAX_BATCH: '0' })).toMatch(/^WORKER_MAX_BATCH: a whole number from 1 to 5000/);
  });

  it('WORKER_PARTITION_BUFFER / --partition-buffer: 1 to 5,000, by default (null) an eighth of the batch rounded up (500 at the default 4,000)', () => {
    expect(loadKafkaConfig({}, {}).partitionBuffer).toBeNull();
    expect([4000, 1000, 9, 1].map(defaultPartitionBuffer)).toEqual([500, 125, 2, 1]);
    expect(loadKafkaConfig({}, { WORKER_PARTITION_BUFFER: '1' }).partitionBuffer).toBe(1);
    expect(loadKafkaConfig({ partitionBuffer: '5000' }, { WORKER_PARTITION_BUFFER: '800' }).partitionBuffer).toBe(5000);
    expect(refusal({ WORKER_PARTITION_BUFFER: '0' })).toMatch(/^WORKER_PARTITION_BUFFER: a whole number from 1 to 5000/);
    expect(refusal({ WORKER_PARTITION_BUFFER: '5001' })).toMatch(/^WORKER_PARTITION_BUFFER: /);
    expect(() => loadKafkaConfig({ partitionBuffer: '1e3' }, {})).toThrow(/^--partition-buffer: a whole number from 1 to 5000/);
  });

  it('INGEST_MAX_LINE_BYTES / --max-line-bytes: 1 KiB to 64 MiB', () => {
    expect(loadConfig({}, { INGEST_MAX_LINE_BYTES: '1024' }).maxLineBytes).toBe(1024);
    expect(loadConfig({}, { INGEST_MAX_LINE_BYTES: '67108864' }).maxLineBytes).toBe(67_108_864);
    expect(refusal({ INGEST_MAX_LINE_BYTES: '1023' })).toMatch(/^INGEST_MAX_LINE_BYTES: a whole number from 1024 to 67108864/);
    expect(refusal({ INGEST_MAX_LINE_BYTES: '67108865' })).toMatch(/^INGEST_MAX_LINE_BYTES: /);
    expect(refusal({}, { maxLineBytes: '1023' })).toMatch(/^--max-line-bytes: /);
  });

  it('the enumerated settings take only their listed values', () => {
    expect(refusal({ WORKER_ON_INVALID: 'skip' })).toMatch(/^WORKER_ON_INVALID: one of dead-letter, stop/);
    expect(refusal({ NAIVE_TIMESTAMPS: 'local' })).toMatch(/^NAIVE_TIMESTAMPS: one of reject, utc/);
    expect(refusal({ KAFKA_COMPRESSION: 'brotli' })).toMatch(/^KAFKA_COMPRESSION: one of none, gzip, snappy, lz4, zstd/);
  });
});
