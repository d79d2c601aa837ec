// Traces across Kafka, end to end, into an OTLP/HTTP receiver the test runs: `generate --produce` and the CLI
// worker, both with OTEL_EXPORTER_OTLP_ENDPOINT set, against a real broker and PostgreSQL. Each applied
// slice is one span linked to the producer spans of its messages, with the database transaction as its child,
// and the worker's log lines inside a slice carry its trace_id and span_id.
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { runCliAsync, startCli } from '../helpers/cli.ts';
import { createTestDatabase } from '../helpers/databases.ts';
import { createTestTopics, testKafkaConfig, waitUntilCaughtUp } from '../helpers/worker.ts';

type AnyValue = { stringValue?: string; intValue?: number | string; boolValue?: boolean; arrayValue?: { values?: AnyValue[] } };
type OtlpSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: AnyValue }[];
  links?: { traceId: string; spanId: string }[];
};
/** A received span with its attributes as plain values and its resource's service.name. */
type Received = OtlpSpan & { attrs: Record<string, unknown>; service: unknown };

const plain = (v: AnyValue): unknown =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.boolValue ?? (v.arrayValue ? (v.arrayValue.values ?? []).map(plain) : undefined)));
const attrsOf = (list: { key: string; value: AnyValue }[] = []) => Object.fromEntries(list.map((a) => [a.key, plain(a.value)]));

/** An OTLP/HTTP receiver (JSON, as the OpenTelemetry JS exporter sends it) that keeps every span. */
async function startReceiver(): Promise<{ server: Server; url: string; spans: Received[]; requests: string[] }> {
  const spans: Received[] = [];
  const requests: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      const parsed = JSON.parse(body) as { resourceSpans: { resource: { attributes: { key: string; value: AnyValue }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const rs of parsed.resourceSpans) {
        const service = attrsOf(rs.resource.attributes)['service.name'];
        for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, attrs: attrsOf(s.attributes), service });
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, requests };
}

const SPAN_KIND = { internal: 1, producer: 4, consumer: 5 };

describe('tracing on, with a receiver that does not answer', () => {
  it('the shutdown gives up after SHUTDOWN_MS and says so (false), without rejecting: a stop is not held up', () => {
    // in a process of its own: the exporter's abandoned request ends there, bounded by its own timeout
    const job = `import { inSpan, SHUTDOWN_MS, startTracing } from ${JSON.stringify(path.join(import.meta.dirname, '..', '..', 'src', 'worker', 'tracing.ts'))};
      const tracing = await startTracing({ tracesUrl: 'http://127.0.0.1:1/v1/traces', serviceName: 'test' });
      await inSpan(tracing.tracer, 'a slice', {}, async () => undefined);
      const t0 = performance.now();
      const flushed = await tracing.shutdown();
      console.log(JSON.stringify({ flushed, ms: performance.now() - t0, limit: SHUTDOWN_MS }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', job], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { flushed: boolean; ms: number; limit: number };
    expect(out.flushed).toBe(false);
    expect(out.ms).toBeLessThan(out.limit + 1_000);
  });
});

describe('traces across Kafka into an OTLP/HTTP receiver', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => new Promise<void>((resolve) => receiver.server.close(() => resolve())));

  it('one span per applied slice, linked to its messages’ producer spans, with the transaction as its child; log lines in a slice carry its ids', async () => {
    const db = await createTestDatabase('postgresql');
    const config = testKafkaConfig(db.url, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, LOG_LEVEL: 'debug' });
    await createTestTopics(config);
    try {
      const produced = await runCliAsync(['generate', '--produce', '--signals', '200', '--bad', '0.05', '--seed', '41'], { env: config.env });
      expect(produced.code, produced.stderr).toBe(0);
      const producers = receiver.spans.filter((s) => s.name === 'signal-ledger generate produce');
      expect(producers.length).toBeGreaterThan(1); // one per send of 500 messages
      expect(producers.every((s) => s.kind === SPAN_KIND.producer && s.service === 'signal-ledger')).toBe(true);

      const worker = startCli(['worker', '--metrics-port', '0'], { env: config.env });
      const store = await openStore({ dbUrl: db.url, migrate: false });
      let events = 0;
      let deadLetters = 0;
      try {
        await waitUntilCaughtUp(store, config, config.groupId);
        worker.kill('SIGTERM');
        expect((await worker.exited).code, worker.stderr).toBe(0);
        const count = async (table: string) => Number(((await store.em().getConnection().execute(`select count(*) as n from ${table}`)) as { n: string }[])[0]?.n);
        events = await count('signal_events');
        deadLetters = await count('dead_letters');
      } finally {
        worker.kill('SIGKILL');
        await store.close();
      }
      expect(receiver.requests.every((r) => r.startsWith('POST /v1/traces application/json'))).toBe(true);

      const slices = receiver.spans.filter((s) => s.name === 'signal-ledger apply slice');
      expect(slices.length).toBeGreaterThan(0);
      for (const s of slices) {
        expect(s.kind).toBe(SPAN_KIND.consumer);
        expect(s.attrs).toMatchObject({ 'messaging.system': 'kafka', 'messaging.operation.type': 'process', 'messaging.consumer.group.name': config.groupId });
        expect(s.attrs['messaging.destination.partition.id']).toMatch(/^[0-5]$/);
        expect((s.attrs['ledger.offsets'] as string[]).every((o) => /^[\w.-]+:[0-5]:\d+-\d+$/.test(o))).toBe(true);
        expect((s.attrs['ledger.topics'] as string[]).length).toBe((s.attrs['ledger.offsets'] as string[]).length);
      }
      // every message's producer is linked, and nothing else is
      const producerIds = new Set(producers.map((p) => `${p.traceId}/${p.spanId}`));
      const linked = new Set(slices.flatMap((s) => (s.links ?? []).map((l) => `${l.traceId}/${l.spanId}`)));
      expect(linked).toEqual(producerIds);
      // the counts the spans give are the database's
      const sum = (key: string) => slices.reduce((n, s) => n + Number(s.attrs[key]), 0);
      expect(sum('ledger.events_applied')).toBe(events);
      expect(sum('ledger.dead_letters')).toBe(deadLetters);
      expect(sum('messaging.batch.message_count')).toBe(sum('ledger.events_applied') + sum('ledger.duplicates') + sum('ledger.dead_letters'));

      // each slice has exactly one transaction span as its child
      const transactions = receiver.spans.filter((s) => s.name === 'signal-ledger database transaction');
      for (const s of slices) {
        const children = transactions.filter((t) => t.parentSpanId === s.spanId);
        expect(children).toHaveLength(1);
        expect(children[0]?.traceId).toBe(s.traceId);
        expect(children[0]?.attrs['db.system.name']).toBe('postgresql');
      }

      // the log line of each applied slice names its span
      const sliceLogs = worker.stdout
        .split('\n')
        .filter((l) => l.includes('"msg":"slice applied"'))
        .map((l) => JSON.parse(l) as { trace_id?: string; span_id?: string });
      expect(sliceLogs.length).toBe(slices.length);
      const sliceIds = new Set(slices.map((s) => `${s.traceId}/${s.spanId}`));
      expect(sliceLogs.every((l) => sliceIds.has(`${l.trace_id}/${l.span_id}`))).toBe(true);
    } finally {
      await db.drop();
    }
  });
});
