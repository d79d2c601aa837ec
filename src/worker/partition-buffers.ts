import type { KafkaMessage } from 'kafkajs';
import { defaultPartitionBuffer } from '../config-choices.ts';
import { alignedSlice, type SliceLimits, watermarkSetter } from './aligned-slices.ts';
import { packMessage, unpackMessage } from './packed-message.ts';
import { partitionKey } from './partition-offsets.ts';

/** One assigned topic partition's fetched messages that are not applied yet. */
export interface Buffered {
  topic: string;
  partition: number;
  key: string;
  /** fetched, not yet taken into a slice, in offset order, each packed into a Buffer of its own (packed-message.ts) */
  packed: Buffer[];
  /** produce time of each buffered message, milliseconds */
  times: number[];
  /** bytes of each buffered message's key, value and headers */
  sizes: number[];
  /** the sum of `sizes` */
  bytes: number;
  /**
   * the next offset to buffer: every record below it was fetched and is buffered, applied, or not a message (a
   * transaction's marker, an aborted message); capped at a bounded run's end. A slice that takes all a partition
   * holds checkpoints it.
   */
  next: bigint;
  /** the partition had messages past the last fetch */
  hasMore: boolean;
  /** produce time of the last message fetched */
  fetchedUntil: number;
}

/** A fetched batch of one topic partition, as kafkajs hands it to eachBatch. */
export interface FetchedBatch {
  topic: string;
  partition: number;
  highWatermark: string;
  messages: KafkaMessage[];
  /**
   * The offset of the last record fetched. Records kafkajs leaves out of `messages` count: a transaction's commit
   * or abort marker, and the messages of an aborted transaction, so past the last message when they follow it.
   */
  lastOffset(): string;
}

/** What buffering a fetched batch did. */
export interface Intake {
  /** messages buffered (not below the floor, nor past the end) */
  buffered: number;
  /** the offset of the batch's last record (a transaction's marker included): the batch's offsets are resolved up to it */
  lastOffset: string;
  /** the partition now holds its cap of messages or of bytes: pause fetching it */
  pause: boolean;
}

/** A slice of one partition number: how many messages to take from each of its topics' buffers. */
export interface Slice {
  partition: number;
  parts: { buffer: Buffered; count: number }[];
}

/** A slice taken out of the buffers: each part's messages and the next offset of its partition. */
export interface TakenPart {
  buffer: Buffered;
  chunk: KafkaMessage[];
  nextOffset: bigint;
}

/**
 * The most bytes of messages (keys, values and headers) one slice holds (a first message is taken whatever its size).
 * The generator's slices of 4,000 messages hold under 1 MiB; messages of up to 1 MiB each (dead letters
 * keep them whole) are taken a few at a time, so the worker thread that parses a slice and the SQLite
 * writer thread that stores it stay within their heaps.
 */
export const MAX_SLICE_BYTES = 4 * 1_048_576;

/** Bytes of a header's value, or of each of its values (kafkajs reads a null value, which librdkafka can send, as null). */
const headerBytes = (v: Buffer | string | (Buffer | string | null)[] | null | undefined): number =>
  v === undefined || v === null ? 0 : Array.isArray(v) ? v.reduce((n, x) => n + headerBytes(x), 0) : Buffer.byteLength(v);

/** Bytes a fetched message brings: its key, value and headers. */
function messageBytes(m: KafkaMessage): number {
  let bytes = (m.key?.byteLength ?? 0) + (m.value?.byteLength ?? 0);
  for (const [name, value] of Object.entries(m.headers ?? {})) bytes += Buffer.byteLength(name) + headerBytes(value);
  return bytes;
}

/**
 * The worker's per-partition buffers, between kafkajs's fetches and the applier, and the slices taken out
 * of them: no broker, no database, no clock. eachBatch hands each fetched batch to `intake`; the applier
 * asks `nextSlice` for partition p of every topic together (they hold the same signals: producers key by
 * signal_id), aligned on produce time up to the watermark (alignedSlice), and `take`s it. A partition
 * holding `cap` messages (--partition-buffer: by default an eighth of a slice, defaultPartitionBuffer) or `byteCap`
 * bytes (half a slice of them) is paused until the applier takes some, so each partition's buffer stays bounded
 * while the partitions behind keep being fetched.
 */
export class PartitionBuffers {
  readonly #byKey = new Map<string, Buffered>();
  readonly #paused = new Set<Buffered>();
  readonly #limits: SliceLimits;
  /** a partition holding this many fetched messages is paused (not fetched) until the applier takes some */
  readonly cap: number;
  /** ... or this many bytes of them */
  readonly byteCap: number;

  /** `cap`: the worker's --partition-buffer, a whole number from 1; null for its default, defaultPartitionBuffer(maxBatch). */
  constructor(maxBatch: number, maxBytes = MAX_SLICE_BYTES, cap: number | null = null) {
    this.#limits = { messages: maxBatch, bytes: maxBytes };
    this.cap = cap ?? defaultPartitionBuffer(maxBatch);
    if (!Number.isInteger(this.cap) || this.cap < 1) throw new RangeError(`a partition buffer of ${this.cap} messages: a whole number from 1 is needed`);
    this.byteCap = Math.max(1, Math.ceil(maxBytes / 2));
  }

  #full(buffer: Buffered): boolean {
    return buffer.packed.length >= this.cap || buffer.bytes >= this.byteCap;
  }

  /**
   * Buffers a fetched batch's messages from `floor` (the store's checkpoint: what lies below is applied
   * already) and before `end` (a replay's stop), in offset order, and records how far the partition has
   * been fetched, up to its last record (`lastOffset`): a batch of no messages, only a transaction's marker or
   * aborted messages, moves it on too.
   */
  intake(batch: FetchedBatch, floor: bigint, end?: bigint): Intake {
    const key = partitionKey(batch.topic, batch.partition);
    let buffer = this.#byKey.get(key);
    if (buffer === undefined) {
      buffer = { topic: batch.topic, partition: batch.partition, key, packed: [], times: [], sizes: [], bytes: 0, next: 0n, hasMore: true, fetchedUntil: -Infinity };
      this.#byKey.set(key, buffer);
    }
    const from = buffer.next > floor ? buffer.next : floor;
    let buffered = 0;
    for (const m of batch.messages) {
      const offset = BigInt(m.offset);
      if (offset < from || (end !== undefined && offset >= end)) continue;
      buffer.packed.push(packMessage(m));
      buffer.times.push(Number(m.timestamp));
      const size = messageBytes(m);
      buffer.sizes.push(size);
      buffer.bytes += size;
      buffered++;
    }
    const lastOffset = batch.lastOffset();
    const fetched = BigInt(lastOffset) + 1n;
    // what lies at or past a bounded run's end is neither buffered nor passed
    const next = end !== undefined && fetched > end ? end : fetched;
    buffer.next = next > buffer.next ? next : buffer.next;
    // a transaction's marker after the last message is fetched: it does not hold the watermark back
    buffer.hasMore = buffer.next < BigInt(batch.highWatermark) && (end === undefined || buffer.next < end);
    const last = batch.messages.at(-1);
    if (last !== undefined) buffer.fetchedUntil = Math.max(buffer.fetchedUntil, Number(last.timestamp));
    const pause = this.#full(buffer);
    if (pause) this.#paused.add(buffer);
    return { buffered, lastOffset, pause };
  }

  /** The offset a partition is passed up to (applied, or not messages) once it holds nothing to take; undefined while it does. */
  passedOffset(key: string): bigint | undefined {
    const buffer = this.#byKey.get(key);
    return buffer !== undefined && buffer.packed.length === 0 ? buffer.next : undefined;
  }

  /** Some partition holds messages not taken yet. */
  get holdsMessages(): boolean {
    return [...this.#byKey.values()].some((b) => b.packed.length > 0);
  }

  /** Some partition is paused with a full buffer. */
  get anyPaused(): boolean {
    return this.#paused.size > 0;
  }

  /**
   * The next slice of a partition number that is not in `inFlight`, or null. 'full': a slice of maxBatch
   * messages or of the byte limit within the watermark, or what lies within it when waiting cannot add more (the group has
   * caught up, or the partition that sets the watermark is paused with a full buffer). 'any': whatever
   * lies within the watermark. 'forced': ignore the watermark. The group with the most to take goes first.
   */
  nextSlice(mode: 'full' | 'any' | 'forced', inFlight: ReadonlySet<number>): Slice | null {
    // every partition of a group counts, even with nothing buffered: it bounds the watermark while it has more to fetch
    const groups = new Map<number, Buffered[]>();
    for (const b of this.#byKey.values()) {
      const group = groups.get(b.partition);
      if (group === undefined) groups.set(b.partition, [b]);
      else group.push(b);
    }
    let best: (Slice & { size: number }) | null = null;
    for (const [partition, group] of groups) {
      if (inFlight.has(partition)) continue;
      const sources = group.map((b) => ({ timestamps: b.times, sizes: b.sizes, hasMore: b.hasMore, fetchedUntil: b.fetchedUntil }));
      const { counts, full } = alignedSlice(sources, this.#limits, mode === 'forced');
      const size = counts.reduce((a, b) => a + b, 0);
      // waiting helps only while the partition that sets the watermark can still be fetched
      const setter = watermarkSetter(sources);
      const ready = full || setter === -1 || this.#paused.has(group[setter] as Buffered);
      if (size === 0 || (mode === 'full' && !ready) || (best !== null && best.size >= size)) continue;
      best = { partition, size, parts: group.flatMap((buffer, i) => ((counts[i] as number) > 0 ? [{ buffer, count: counts[i] as number }] : [])) };
    }
    return best === null ? null : { partition: best.partition, parts: best.parts };
  }

  /** The produce time (ms) of the oldest message a partition holds, if it holds any. */
  oldestTime(key: string): number | undefined {
    return this.#byKey.get(key)?.times[0];
  }

  /**
   * Takes a slice's messages out of their buffers. `resume` lists the partitions that were paused and
   * now hold less than both caps: fetch them again.
   */
  take(slice: Slice): { parts: TakenPart[]; resume: { topic: string; partition: number }[] } {
    const parts = slice.parts.map(({ buffer, count }) => {
      const chunk = buffer.packed.splice(0, count).map(unpackMessage);
      buffer.times.splice(0, count);
      for (const size of buffer.sizes.splice(0, count)) buffer.bytes -= size;
      const afterLast = BigInt((chunk.at(-1) as KafkaMessage).offset) + 1n;
      // all it holds taken: the records fetched after the last message (a transaction's marker) are passed with it
      return { buffer, chunk, nextOffset: buffer.packed.length === 0 && buffer.next > afterLast ? buffer.next : afterLast };
    });
    const resume: { topic: string; partition: number }[] = [];
    for (const { buffer } of parts) {
      if (this.#paused.has(buffer) && !this.#full(buffer) && this.#byKey.get(buffer.key) === buffer) {
        this.#paused.delete(buffer);
        resume.push({ topic: buffer.topic, partition: buffer.partition });
      }
    }
    return { parts, resume };
  }

  /**
   * Drops every buffer (a rebalance: kafkajs fetches the new assignment from the committed offsets, so
   * what was buffered comes again). Returns the partitions that were paused: resume them.
   */
  clear(): { topic: string; partition: number }[] {
    const paused = [...this.#paused].map((b) => ({ topic: b.topic, partition: b.partition }));
    this.#byKey.clear();
    this.#paused.clear();
    return paused;
  }
}
