// What follows a slice's commit (src/worker/slice-results.ts), part by part: outcome counters per topic, the
// dead letters forwarded with their own messages, the floors raised, the progress callback. (The lag is
// sampled on a timer: lag-sampler.unit.test.ts.)
import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { TakenPart } from '../../src/worker/partition-buffers.ts';
import { recordSliceResult } from '../../src/worker/slice-results.ts';
import { createWorkerMetrics } from '../../src/worker/worker-metrics.ts';

const message = (offset: number): KafkaMessage => ({ offset: String(offset), key: null, value: Buffer.from(`m${offset}`), timestamp: '0', attributes: 0, headers: {} }) as KafkaMessage;

function part(topic: string, partition: number, offsets: number[]): TakenPart {
  return {
    buffer: { topic, partition, key: `${topic}:${partition}`, packed: [], times: [], sizes: [], bytes: 0, next: 0n, hasMore: false, fetchedUntil: 0 },
    chunk: offsets.map(message),
    nextOffset: BigInt((offsets.at(-1) as number) + 1),
  } as TakenPart;
}

async function counter(metrics: ReturnType<typeof createWorkerMetrics>, name: string): Promise<Record<string, number>> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return Object.fromEntries((metric?.values ?? []).map((v) => [Object.values(v.labels).join('/'), v.value]));
}

describe('recordSliceResult: the bookkeeping after a slice commits', () => {
  it('counts each part’s outcomes under its topic, forwards each part its own dead letters, raises its floor and reports its progress, in part order', async () => {
    const metrics = createWorkerMetrics();
    const parts = [part('signals.generated', 0, [10, 11, 12]), part('orders.filled', 0, [5, 6])];
    const result = {
      outcomes: ['applied', 'duplicate', 'dead-letter', 'dead-letter', 'applied'] as const,
      rejections: [
        { at: 2, problems: [{ path: '$', message: 'bad 12' }] },
        { at: 3, problems: [{ path: '$', message: 'bad 5' }] },
      ],
    };
    const forwarded: string[] = [];
    const floors: string[] = [];
    const progress: string[] = [];
    const total = await recordSliceResult(parts, { outcomes: [...result.outcomes], rejections: result.rejections }, {
      metrics,
      forwardDeadLetters: async (rejected, topic, partition) => void forwarded.push(`${topic}/${partition}: ${rejected.map((r) => `${r.message.offset} ${r.problems[0]?.message}`).join(', ')}`),
      raiseFloor: (key, next) => void floors.push(`${key}=${next}`),
      onProgress: (topic, partition, next, messages) => void progress.push(`${topic}/${partition}@${next} (${messages.length})`),
    });
    expect(await counter(metrics, 'ledger_events_applied_total')).toEqual({ 'signals.generated': 1, 'orders.filled': 1 });
    expect(await counter(metrics, 'ledger_events_duplicate_total')).toEqual({ 'signals.generated': 1 });
    expect(await counter(metrics, 'ledger_events_dead_lettered_total')).toEqual({ 'signals.generated': 1, 'orders.filled': 1 });
    expect(total).toEqual({ applied: 2, duplicate: 1, 'dead-letter': 2 });
    expect(forwarded).toEqual(['signals.generated/0: 12 bad 12', 'orders.filled/0: 5 bad 5']);
    expect(floors).toEqual(['signals.generated:0=13', 'orders.filled:0=7']);
    expect(progress).toEqual(['signals.generated/0@13 (3)', 'orders.filled/0@7 (2)']);
  });

  it('a part with no dead letters still has its (empty) forward, so the forwarder sees every partition', async () => {
    const calls: number[] = [];
    await recordSliceResult([part('t', 3, [0])], { outcomes: ['applied'], rejections: [] }, {
      metrics: createWorkerMetrics(),
      forwardDeadLetters: async (rejected) => void calls.push(rejected.length),
      raiseFloor: () => {},
    });
    expect(calls).toEqual([0]);
  });
});
