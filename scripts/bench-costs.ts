// What lag sampling and tracing cost the worker, measured directly (bench-worker.ts's costs part also measures
// them in throughput): an OTLP/HTTP receiver to export to, one lag sample, and the tracing-off path of a slice.
import { spawn } from 'node:child_process';
import type { Kafka } from 'kafkajs';
import { inSpan, LagSampler, partitionKey, readPartitionOffsets } from '../src/worker/index.ts';

/** An OTLP/HTTP receiver in a process of its own (so its work is not the worker's), counting the spans it gets. */
export async function startReceiver(): Promise<{ url: string; spans(): Promise<number>; stop(): void }> {
  const code = `const http = require('node:http'); let spans = 0;
    const server = http.createServer((req, res) => { let body = ''; req.on('data', (d) => (body += d)); req.on('end', () => {
      if (req.url === '/count') { res.end(String(spans)); return; }
      spans += (body.match(/"spanId"/g) || []).length; res.writeHead(200, { 'content-type': 'application/json' }); res.end('{}'); }); });
    server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
  return { url: `http://127.0.0.1:${port}/v1/traces`, spans: async () => Number(await (await fetch(`http://127.0.0.1:${port}/count`)).text()), stop: () => void child.kill() };
}

/** Milliseconds of one lag sample of the topics' 6 partitions each: their end offsets from the broker, then the sample (the mean of 20). */
export async function lagSampleMs(kafka: Kafka, topics: readonly string[]): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const assigned = topics.flatMap((topic) => [0, 1, 2, 3, 4, 5].map((partition) => ({ key: partitionKey(topic, partition), topic, partition })));
    const sampler = new LagSampler({ ends: () => readPartitionOffsets(admin, topics), assigned: () => assigned, applied: () => 0n, oldestPending: () => Date.now() - 1000 });
    const samples = 20;
    const t0 = performance.now();
    for (let i = 0; i < samples; i++) {
      await sampler.refresh();
      sampler.sample(Date.now());
    }
    return (performance.now() - t0) / samples;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Nanoseconds the tracing-off path adds to a slice: `inSpan` without a tracer against calling the slice's
 * function itself, the fastest of five alternated rounds of a million calls each, twice (the slice and its
 * transaction).
 */
export async function tracingOffNs(): Promise<{ perSlice: number; wrapped: number; bare: number }> {
  const calls = 1_000_000;
  const body = async () => undefined;
  const round = async (wrapped: boolean) => {
    const t0 = performance.now();
    if (wrapped) for (let i = 0; i < calls; i++) await inSpan(null, 'slice', {}, body);
    else for (let i = 0; i < calls; i++) await body();
    return ((performance.now() - t0) * 1e6) / calls;
  };
  const bare: number[] = [];
  const wrapped: number[] = [];
  for (let r = 0; r < 5; r++) {
    bare.push(await round(false));
    wrapped.push(await round(true));
  }
  const w = Math.min(...wrapped);
  const b = Math.min(...bare);
  return { perSlice: 2 * Math.max(0, w - b), wrapped: w, bare: b };
}
