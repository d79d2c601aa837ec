// The worker's partition buffers (src/worker/partition-buffers.ts) without a broker: fetched batches go in,
// slices of partition p of every topic come out, aligned on produce time (test/worker/aligned-slices pins
// the alignment itself); a partition is paused at its cap (--partition-buffer, by default an eighth of a slice's messages; half of its bytes) and resumed once the applier takes some; a
// rebalance drops everything. A buffered message holds copies of its bytes, not views of the fetch response,
// and is given back as it came.
import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { type FetchedBatch, PartitionBuffers } from '../../src/worker/partition-buffers.ts';

const message = (offset: number, timestamp: number, value: Buffer = Buffer.from('{}')): KafkaMessage =>
  ({ offset: String(offset), timestamp: String(timestamp), key: Buffer.from('k'), value, headers: {}, attributes: 0 }) as KafkaMessage;
/** A fetched batch of `topic` partition `partition`: offsets from `first`, produced at the given times, each value `value` (3 bytes with the key by default). */
const batch = (topic: string, partition: number, first: number, times: number[], highWatermark: number, value?: Buffer): FetchedBatch => ({
  topic,
  partition,
  highWatermark: String(highWatermark),
  messages: times.map((t, i) => message(first + i, t, value)),
  lastOffset: () => String(first + times.length - 1),
});
const offsets = (slice: { parts: { chunk: KafkaMessage[] }[] }) => slice.parts.map((p) => p.chunk.map((m) => Number(m.offset)));

describe('partition buffers', () => {
  it('buffer a copy of each message: the same offset, time, attributes, key, value and headers (null values and a header named __proto__ too), none of them a view of the fetched response', () => {
    // a response of its own (Buffer.from would take a small one from the pool the copies come from too)
    const response = Buffer.alloc(20);
    response.write('xxkey{"a":1}h1h2tail');
    const headers = { one: response.subarray(12, 14), many: [response.subarray(14, 16), 'text', null], none: undefined, nothing: null, empty: response.subarray(0, 0), 'ünï': 'ç' };
    // an own property, as kafkajs-record-decoder.ts makes it
    Object.defineProperty(headers, '__proto__', { value: Buffer.from('p'), enumerable: true, configurable: true, writable: true });
    const fetched = { ...message(7, 5, response.subarray(5, 12)), attributes: -3, key: response.subarray(2, 5), headers } as unknown as KafkaMessage;
    const oldFormat = { offset: '9007199254740993', timestamp: '-1', attributes: 0, key: null, value: null, size: 31 } as KafkaMessage;
    const buffers = new PartitionBuffers(100);
    buffers.intake({ topic: 'a', partition: 0, highWatermark: '9007199254740994', messages: [fetched, oldFormat], lastOffset: () => oldFormat.offset }, 0n);
    const [kept, keptOld] = buffers.take(buffers.nextSlice('forced', new Set()) as NonNullable<ReturnType<PartitionBuffers['nextSlice']>>).parts[0]?.chunk ?? [];
    const { none: _, ...defined } = headers;
    expect(kept).toStrictEqual({ offset: '7', timestamp: '5', attributes: -3, key: Buffer.from('key'), value: Buffer.from('{"a":1}'), headers: { ...defined, one: Buffer.from('h1'), many: [Buffer.from('h2'), 'text', null], empty: Buffer.alloc(0) } });
    expect(Object.getOwnPropertyDescriptor(kept?.headers, '__proto__')?.value).toEqual(Buffer.from('p'));
    expect(keptOld).toStrictEqual(oldFormat);
    const views = [kept?.key, kept?.value, kept?.headers?.one, (kept?.headers?.many as Buffer[])[0]];
    for (const view of views) expect((view as Buffer).buffer).not.toBe(response.buffer);
  });

  it('buffer a batch from the store floor up to a replay end, and report the last offset to resolve', () => {
    const buffers = new PartitionBuffers(100);
    expect(buffers.intake(batch('a', 0, 0, [], 10), 0n)).toEqual({ buffered: 0, lastOffset: '-1', pause: false });
    expect(buffers.intake(batch('a', 0, 0, [1, 2, 3, 4, 5, 6], 10), 2n, 5n)).toEqual({ buffered: 3, lastOffset: '5', pause: false });
    const slice = buffers.nextSlice('forced', new Set());
    expect(slice?.parts.map((p) => p.count)).toEqual([3]);
    const taken = buffers.take(slice as NonNullable<typeof slice>);
    expect(offsets(taken)).toEqual([[2, 3, 4]]);
    expect(taken.parts[0]?.nextOffset).toBe(5n);
  });

  it('a transaction marker after the last message (kafkajs leaves it out of the messages) does not hold the watermark back, and is passed with the last message', () => {
    const buffers = new PartitionBuffers(100);
    // generated ends in a commit marker at offset 2 (high watermark 3); risk's message at time 30 came later
    buffers.intake({ ...batch('generated', 0, 0, [10, 20], 3), lastOffset: () => '2' }, 0n);
    buffers.intake(batch('risk', 0, 0, [30], 1), 0n);
    const slice = buffers.nextSlice('full', new Set());
    expect(slice?.parts.map((p) => [p.buffer.topic, p.count])).toEqual([['generated', 2], ['risk', 1]]);
    expect(buffers.take(slice as NonNullable<typeof slice>).parts.map((p) => p.nextOffset)).toEqual([3n, 1n]);
  });

  it('a batch of no messages (an aborted transaction, its marker) moves the partition on: it no longer sets the watermark, and is passed', () => {
    const buffers = new PartitionBuffers(100);
    buffers.intake(batch('generated', 0, 0, [10], 5), 0n);
    buffers.intake(batch('risk', 0, 0, [30], 1), 0n);
    // generated has more to fetch: nothing past time 10 is taken
    expect(buffers.nextSlice('any', new Set())?.parts.map((p) => p.count)).toEqual([1]);
    const first = buffers.take(buffers.nextSlice('any', new Set()) as NonNullable<ReturnType<PartitionBuffers['nextSlice']>>);
    expect(first.parts.map((p) => p.nextOffset)).toEqual([1n]);
    expect(buffers.passedOffset('generated:0')).toBe(1n);
    // offsets 1-3 aborted, 4 the abort marker: no messages, the last offset 4
    buffers.intake({ topic: 'generated', partition: 0, highWatermark: '5', messages: [], lastOffset: () => '4' }, 0n);
    expect(buffers.passedOffset('generated:0')).toBe(5n);
    expect(buffers.nextSlice('full', new Set())?.parts.map((p) => [p.buffer.topic, p.count])).toEqual([['risk', 1]]);
    // a replay's end caps what is passed
    const bounded = new PartitionBuffers(100);
    bounded.intake({ topic: 'a', partition: 0, highWatermark: '9', messages: [], lastOffset: () => '8' }, 0n, 4n);
    expect(bounded.passedOffset('a:0')).toBe(4n);
  });

  it('never buffer an offset twice: a batch fetched again adds only what is past the last one', () => {
    const buffers = new PartitionBuffers(100);
    buffers.intake(batch('a', 0, 0, [1, 2, 3], 5), 0n);
    expect(buffers.intake(batch('a', 0, 1, [2, 3, 4, 5], 5), 0n)).toMatchObject({ buffered: 2, lastOffset: '4' });
    expect(offsets(buffers.take(buffers.nextSlice('any', new Set()) as NonNullable<ReturnType<PartitionBuffers['nextSlice']>>))).toEqual([[0, 1, 2, 3, 4]]);
  });

  it('take partition p of every topic together, in produce-time order up to the watermark; other partition numbers apart', () => {
    const buffers = new PartitionBuffers(100);
    buffers.intake(batch('generated', 0, 0, [10, 20, 30], 3), 0n);
    buffers.intake(batch('risk', 0, 0, [15, 25], 2), 0n);
    buffers.intake(batch('generated', 1, 0, [11], 1), 0n);
    const first = buffers.nextSlice('full', new Set());
    // partition 0 holds 5 messages, partition 1 one: the larger group goes first; all fetched, so it is ready
    expect(first?.partition).toBe(0);
    expect(first?.parts.map((p) => [p.buffer.topic, p.count])).toEqual([['generated', 3], ['risk', 2]]);
    // a partition number with a slice in a transaction is not offered again
    expect(buffers.nextSlice('full', new Set([0]))?.partition).toBe(1);
  });

  it('wait for a partition that has more to fetch (the watermark): "full" and "any" take nothing past it, "forced" does', () => {
    const buffers = new PartitionBuffers(100);
    buffers.intake(batch('generated', 0, 0, [10, 20], 2), 0n);
    // risk has more past time 5 that is not fetched yet
    buffers.intake(batch('risk', 0, 0, [5], 10), 0n);
    const full = buffers.nextSlice('full', new Set());
    expect(full).toBeNull();
    expect(buffers.nextSlice('any', new Set())?.parts.map((p) => [p.buffer.topic, p.count])).toEqual([['risk', 1]]);
    expect(buffers.nextSlice('forced', new Set())?.parts.map((p) => [p.buffer.topic, p.count])).toEqual([['generated', 2], ['risk', 1]]);
  });

  it('a full slice is ready at once; a smaller one waits while the partition setting the watermark can still be fetched', () => {
    const buffers = new PartitionBuffers(2);
    buffers.intake(batch('generated', 0, 0, [10, 20, 30], 10), 0n);
    expect(buffers.nextSlice('full', new Set())?.parts.map((p) => p.count)).toEqual([2]);
    const small = new PartitionBuffers(10);
    small.intake(batch('generated', 0, 0, [10], 10), 0n);
    small.intake(batch('risk', 0, 0, [15, 16], 10), 0n);
    expect(small.nextSlice('full', new Set())).toBeNull();
  });

  it('--partition-buffer sets the pause instead of the eighth of a slice', () => {
    const buffers = new PartitionBuffers(16, undefined, 3);
    expect(buffers.cap).toBe(3);
    expect(buffers.intake(batch('a', 0, 0, [1, 2], 10), 0n)?.pause).toBe(false);
    expect(buffers.intake(batch('a', 0, 2, [3], 10), 0n)?.pause).toBe(true);
    expect(() => new PartitionBuffers(16, undefined, 0)).toThrow(RangeError);
    expect(() => new PartitionBuffers(16, undefined, 1.5)).toThrow(RangeError);
    expect(new PartitionBuffers(9).cap).toBe(2);
  });

  it('pause a partition at an eighth of a slice, and resume it once the applier takes it below that', () => {
    const buffers = new PartitionBuffers(16);
    expect(buffers.cap).toBe(2);
    expect(buffers.intake(batch('a', 0, 0, [1], 10), 0n)?.pause).toBe(false);
    expect(buffers.anyPaused).toBe(false);
    expect(buffers.intake(batch('a', 0, 1, [2, 3], 10), 0n)?.pause).toBe(true);
    expect(buffers.anyPaused).toBe(true);
    // the paused partition sets the watermark: a full slice of what there is is ready
    const slice = buffers.nextSlice('full', new Set());
    expect(slice?.parts.map((p) => p.count)).toEqual([3]);
    expect(buffers.take(slice as NonNullable<typeof slice>).resume).toEqual([{ topic: 'a', partition: 0 }]);
    expect(buffers.anyPaused).toBe(false);
    expect(buffers.holdsMessages).toBe(false);
  });

  it('pause a partition at half a slice of bytes (keys and values), and take slices of at most that many bytes, a large message alone', () => {
    const buffers = new PartitionBuffers(100, 10);
    expect(buffers.byteCap).toBe(5);
    // 3 bytes a message (a 1-byte key, a 2-byte value): two hold 6 bytes, past half of 10
    expect(buffers.intake(batch('a', 0, 0, [1], 10), 0n)?.pause).toBe(false);
    expect(buffers.intake(batch('a', 0, 1, [2, 3, 4], 10), 0n)?.pause).toBe(true);
    expect(buffers.intake(batch('b', 0, 0, [5], 10, Buffer.alloc(50)), 0n)?.pause).toBe(true);
    const first = buffers.nextSlice('forced', new Set());
    // 3 messages of 3 bytes fit in 10, a fourth would not
    expect(first?.parts.map((p) => [p.buffer.topic, p.count])).toEqual([['a', 3]]);
    // a still holds 3 bytes and is fetched again; b, over half, stays paused
    expect(buffers.take(first as NonNullable<typeof first>).resume).toEqual([{ topic: 'a', partition: 0 }]);
    const second = buffers.nextSlice('forced', new Set());
    expect(second?.parts.map((p) => [p.buffer.topic, p.count])).toEqual([['a', 1]]);
    buffers.take(second as NonNullable<typeof second>);
    // the 51-byte message, larger than a slice, is taken alone
    const third = buffers.nextSlice('forced', new Set());
    expect(third?.parts.map((p) => [p.buffer.topic, p.count])).toEqual([['b', 1]]);
    expect(buffers.take(third as NonNullable<typeof third>).resume).toEqual([{ topic: 'b', partition: 0 }]);
    expect(buffers.holdsMessages).toBe(false);
  });

  it('pause a partition at exactly half a slice of bytes, and resume it only once it holds less than that', () => {
    const nextOf = (b: PartitionBuffers) => (b.nextSlice('forced', new Set()) as NonNullable<ReturnType<PartitionBuffers['nextSlice']>>).parts[0]?.buffer as Parameters<PartitionBuffers['take']>[0]['parts'][0]['buffer'];
    const buffers = new PartitionBuffers(100, 12);
    // 3 bytes a message: the second makes 6, exactly half of 12
    expect(buffers.intake(batch('a', 0, 0, [1], 10), 0n)?.pause).toBe(false);
    expect(buffers.intake(batch('a', 0, 1, [2], 10), 0n)?.pause).toBe(true);
    buffers.intake(batch('a', 0, 2, [3, 4], 10), 0n);
    // one taken of four leaves 9 bytes, at or over half: stays paused; two more leave 3: resumed
    expect(buffers.take({ partition: 0, parts: [{ buffer: nextOf(buffers), count: 1 }] }).resume).toEqual([]);
    expect(buffers.anyPaused).toBe(true);
    expect(buffers.take({ partition: 0, parts: [{ buffer: nextOf(buffers), count: 2 }] }).resume).toEqual([{ topic: 'a', partition: 0 }]);
  });

  it('a slice the byte limit cuts is ready at once, although the partition setting the watermark can still be fetched', () => {
    const buffers = new PartitionBuffers(100, 12);
    buffers.intake(batch('a', 0, 0, [1, 2, 3, 4], 4), 0n);
    // b has more to fetch past time 100 and is not paused: it sets the watermark
    buffers.intake(batch('b', 0, 0, [100], 10), 0n);
    expect(buffers.nextSlice('full', new Set())?.parts.map((p) => [p.buffer.topic, p.count])).toEqual([['a', 4]]);
  });

  it('count headers in a message\'s bytes', () => {
    const buffers = new PartitionBuffers(100, 100);
    const m = { ...message(0, 1), headers: { trace: Buffer.alloc(40), tags: ['ab', Buffer.alloc(10)] } } as unknown as KafkaMessage;
    // 1 (key) + 2 (value) + 5 + 40 + 4 + 2 + 10 = 64 bytes: over half of 100
    expect(buffers.intake({ topic: 'a', partition: 0, highWatermark: '10', messages: [m], lastOffset: () => '0' }, 0n)?.pause).toBe(true);
  });

  it('a rebalance drops every buffer and returns the paused partitions to resume', () => {
    const buffers = new PartitionBuffers(2);
    buffers.intake(batch('a', 0, 0, [1], 10), 0n);
    buffers.intake(batch('b', 3, 0, [1, 2], 10), 0n);
    expect(buffers.holdsMessages).toBe(true);
    expect(buffers.clear()).toEqual([{ topic: 'a', partition: 0 }, { topic: 'b', partition: 3 }]);
    expect(buffers.holdsMessages).toBe(false);
    expect(buffers.anyPaused).toBe(false);
    expect(buffers.nextSlice('forced', new Set())).toBeNull();
  });
});
