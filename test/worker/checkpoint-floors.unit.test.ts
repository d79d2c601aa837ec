// The worker's checkpoint floors (src/worker/checkpoint-floors.ts) and its preflight (src/worker/preflight.ts)
// on fakes: floors only rise, come from the store's checkpoints, and a checkpoint past the end of its
// partition (the topic was created again) is dropped from the floors and the store; a broker without one
// of the topics refuses the start, naming them.
import type { Admin } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { CheckpointFloors } from '../../src/worker/checkpoint-floors.ts';
import { assertTopicsExist } from '../../src/worker/preflight.ts';

const checkpoint = (topic: string, partition: number, nextOffset: string) => ({ groupId: 'g', topic, partition, nextOffset });

describe('checkpoint floors', () => {
  it('come from the store and only ever rise', async () => {
    let stored = [checkpoint('a', 0, '10'), checkpoint('a', 1, '3')];
    const floors = new CheckpointFloors({ read: async () => stored, remove: async () => {} });
    expect(floors.get('a:0')).toBeUndefined();
    await floors.refresh();
    expect([floors.get('a:0'), floors.get('a:1')]).toEqual([10n, 3n]);
    floors.raise('a:0', 7n);
    floors.raise('a:1', 8n);
    floors.raise('b:0', 0n);
    expect([floors.get('a:0'), floors.get('a:1'), floors.get('b:0')]).toEqual([10n, 8n, 0n]);
    // another member applied further; a store behind what this worker applied changes nothing
    stored = [checkpoint('a', 0, '12'), checkpoint('a', 1, '5')];
    await floors.refresh();
    expect([floors.get('a:0'), floors.get('a:1')]).toEqual([12n, 8n]);
  });

  it('a checkpoint past the end of its partition is dropped from the floors and the store, and logged; the others stay', async () => {
    const removed: unknown[] = [];
    const lines: Record<string, unknown>[] = [];
    const floors = new CheckpointFloors({ read: async () => [checkpoint('a', 0, '50'), checkpoint('a', 1, '5'), checkpoint('a', 2, '9')], remove: async (c) => void removed.push(c) });
    await floors.refresh();
    const partitions = new Map([
      ['a:0', { topic: 'a', partition: 0, high: 20n }],
      ['a:1', { topic: 'a', partition: 1, high: 5n }],
      ['a:2', { topic: 'a', partition: 2, high: 100n }],
      ['a:3', { topic: 'a', partition: 3, high: 0n }],
    ]);
    await floors.dropPastEnd(partitions, pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l)) }));
    expect(removed).toEqual([{ topic: 'a', partition: 0 }]);
    expect([floors.get('a:0'), floors.get('a:1'), floors.get('a:2')]).toEqual([undefined, 5n, 9n]);
    expect(lines).toEqual([expect.objectContaining({ topic: 'a', partition: 0, checkpoint: '50', end: '20' })]);
  });
});

describe('preflight', () => {
  const fakeAdmin = (topics: string[]) => {
    const calls: string[] = [];
    const admin = {
      connect: async () => void calls.push('connect'),
      disconnect: async () => void calls.push('disconnect'),
      listTopics: async () => topics,
    } as unknown as Admin;
    return { admin, calls };
  };

  it('passes when every topic exists, and disconnects', async () => {
    const { admin, calls } = fakeAdmin(['a', 'b', 'dlq']);
    await assertTopicsExist(admin, ['a', 'b', 'dlq'], ['k:9092']);
    expect(calls).toEqual(['connect', 'disconnect']);
  });

  it('refuses a broker without some of the topics, naming them and the command that creates them, and disconnects', async () => {
    const { admin, calls } = fakeAdmin(['a']);
    await expect(assertTopicsExist(admin, ['a', 'b', 'dlq'], ['k1:9092', 'k2:9092'])).rejects.toThrow(
      'topic(s) b, dlq do not exist on k1:9092,k2:9092; create them with `signal-ledger topics create` (the dead-letter topic with --dlq-topic)',
    );
    expect(calls).toEqual(['connect', 'disconnect']);
  });
});
