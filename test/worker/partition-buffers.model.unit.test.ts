// A model of what kafkajs does around the worker's buffers (src/worker/partition-buffers.ts, batch-intake.ts,
// checkpoint-floors.ts), checked as a law: fetches of any size from the position kafkajs keeps, slices taken and
// applied later (after a rejoin too), offset commits that fail, and rejoins that drop the buffers and fetch again
// from the committed offsets, in any order. Every offset below a checkpoint the store would record was applied.
// (Written while looking for the lost event of 2026-12-07's CI run; it holds, so the loss lies elsewhere.)
import fc from 'fast-check';
import type { KafkaMessage } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../helpers/property-runs.ts';
import { createBatchIntake } from '../../src/worker/batch-intake.ts';
import { CheckpointFloors } from '../../src/worker/checkpoint-floors.ts';
import { PartitionBuffers, type Slice, type TakenPart } from '../../src/worker/partition-buffers.ts';

const TOPICS = ['a', 'b', 'c'];
type Op = { kind: 'fetch'; topic: number; size: number } | { kind: 'take' } | { kind: 'apply'; commitFails: boolean } | { kind: 'rejoin' };

describe('the worker\'s buffers against a model of kafkajs\'s fetch positions', () => {
  it('every offset below a checkpoint was applied, whatever the fetch sizes, slices, failed commits and rejoins', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 3, maxLength: 3 }),
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('fetch' as const), topic: fc.integer({ min: 0, max: 2 }), size: fc.integer({ min: 1, max: 5 }) }),
            fc.constant({ kind: 'take' as const }),
            fc.record({ kind: fc.constant('apply' as const), commitFails: fc.boolean() }),
            fc.constant({ kind: 'rejoin' as const }),
          ),
          { maxLength: 80 },
        ),
        async (counts, ops: Op[]) => {
          // each topic's messages, offsets 0..n-1, produce times interleaved
          const times = counts.map((n, t) => Array.from({ length: n }, (_, i) => i * 10 + t));
          const buffers = new PartitionBuffers(4);
          const checkpoints = new Map<string, bigint>();
          const floors = new CheckpointFloors({ read: async () => [...checkpoints].map(([k, v]) => ({ groupId: 'g', topic: k.split(':')[0] as string, partition: 0, nextOffset: String(v) })), remove: async () => {} });
          /** kafkajs: the committed offset cache and the resolved positions */
          const committed = new Map<string, bigint>();
          const position = new Map<string, bigint>();
          const applied = new Map<string, Set<number>>(TOPICS.map((t) => [`${t}:0`, new Set<number>()]));
          let inFlight: TakenPart[] | null = null;
          const paused = new Set<string>();
          const intake = createBatchIntake({
            buffers,
            floor: (key) => floors.get(key),
            end: () => undefined,
            commit: async (offsets) => {
              for (const o of offsets) committed.set(`${o.topic}:${o.partition}`, BigInt(o.offset));
            },
            wake: () => {},
            passed: () => {},
            log: pino({ level: 'silent' }),
          });
          const fetch = async (t: number, size: number) => {
            const topic = TOPICS[t] as string;
            const key = `${topic}:0`;
            if (paused.has(key)) return;
            const from = Number(position.get(key) ?? committed.get(key) ?? 0n);
            const n = counts[t] as number;
            if (from >= n) return;
            const last = Math.min(n, from + size) - 1;
            const messages = Array.from({ length: last - from + 1 }, (_, i) => ({ offset: String(from + i), timestamp: String(times[t]?.[from + i]), key: Buffer.from('k'), value: Buffer.from('{}'), headers: {}, attributes: 0 }) as KafkaMessage);
            await intake({
              batch: { topic, partition: 0, highWatermark: String(n), messages, lastOffset: () => String(last), firstOffset: () => String(from) } as never,
              resolveOffset: (o: string) => void position.set(key, BigInt(o) + 1n),
              pause: () => {
                paused.add(key);
                return () => void paused.delete(key);
              },
            });
          };
          const apply = async (commitFails: boolean) => {
            if (inFlight === null) return;
            for (const p of inFlight) {
              for (const m of p.chunk) applied.get(p.buffer.key)?.add(Number(m.offset));
              const prev = checkpoints.get(p.buffer.key) ?? 0n;
              checkpoints.set(p.buffer.key, p.nextOffset > prev ? p.nextOffset : prev);
              floors.raise(p.buffer.key, p.nextOffset);
              if (!commitFails) committed.set(p.buffer.key, p.nextOffset);
            }
            inFlight = null;
          };
          for (const op of ops) {
            if (op.kind === 'fetch') await fetch(op.topic, op.size);
            else if (op.kind === 'take' && inFlight === null) {
              const slice: Slice | null = buffers.nextSlice('forced', new Set());
              if (slice !== null) {
                const { parts, resume } = buffers.take(slice);
                for (const r of resume) paused.delete(`${r.topic}:0`);
                inFlight = parts;
              }
            } else if (op.kind === 'apply') await apply(op.commitFails);
            else if (op.kind === 'rejoin') {
              for (const p of buffers.clear()) paused.delete(`${p.topic}:0`);
              position.clear();
              await floors.refresh();
            }
            // every offset below a checkpoint was applied
            for (const [key, next] of checkpoints) for (let o = 0; o < Number(next); o++) expect(applied.get(key)?.has(o), `${key} offset ${o} below checkpoint ${next}`).toBe(true);
          }
        },
      ),
      { numRuns: propertyRuns(3000) },
    );
  });
});
