import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { DEFAULT_TOPICS, type ParsedMessage, parseMessage, type RejectedMessage, type TopicMap } from '../contract/index.ts';
import { assertReadableFile } from './readable-file.ts';
import { applyBatch, type ApplyResult, type Store } from '../store/index.ts';

export interface IngestSummary {
  read: number;
  applied: number;
  duplicates: number;
  deadLetters: number;
  /** lines that were not a `{"topic", "key", "value"}` object (also recorded as dead letters) */
  unreadableLines: number;
  seconds: number;
}

export interface IngestOptions {
  /** messages per transaction (default 1000) */
  batchSize?: number;
  /** lanes applying at once on PostgreSQL, messages split between them by signal (default 2); always 1 on SQLite */
  concurrency?: number;
  topics?: TopicMap;
  /** called after every batch with the running totals and the bytes read so far */
  onProgress?: (summary: IngestSummary, bytesRead: number) => void;
  /** called for each unreadable line (line number, why) */
  onUnreadableLine?: (line: number, why: string) => void;
}

/**
 * The lines of a stream, pulled chunk by chunk: reading waits while the consumer is busy, so memory
 * stays constant (readline's iterator keeps reading ahead and buffers the whole file when the consumer is slow).
 */
export async function* readLines(stream: Readable, onBytes?: (n: number) => void): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  for await (const chunk of stream) {
    onBytes?.(typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Uint8Array).byteLength);
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.decode(chunk as Uint8Array, { stream: true }));
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) yield line.endsWith('\r') ? line.slice(0, -1) : line;
  }
  rest += decoder.decode();
  if (rest !== '') yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
}

/** Feeds messages to applyBatch in batches, on several connections where the database allows it. */
export interface BatchApplier {
  /**
   * Hands messages over; resolves once they are queued. A lane whose batch is full starts applying
   * it, and waits first while that lane's previous batch is still being applied (bounded memory).
   */
  submit(messages: readonly ParsedMessage[]): Promise<void>;
  /** applies what is still queued and resolves when every message is applied; rejects with the first failure */
  drain(): Promise<void>;
}

export interface BatchApplierOptions {
  /** messages per transaction (default 1000) */
  batchSize?: number;
  /** lanes applying at once on PostgreSQL (default 2); SQLite has one writer and always one lane */
  concurrency?: number;
  onApplied?: (r: ApplyResult) => void;
}

/** The lane of a message: by its signal, so two lanes never write the same signal. */
function laneOf(message: ParsedMessage, lanes: number): number {
  if (lanes === 1) return 0;
  const id = message.ok ? message.event.signalId : (message.signalId ?? '');
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (Math.imul(h, 31) + id.charCodeAt(i)) | 0;
  return (h >>> 0) % lanes;
}

/**
 * Messages are split by signal into `concurrency` lanes; each lane applies its batches one after the
 * other, each in its own transaction. Lanes never share a signal, so on PostgreSQL their transactions
 * run side by side on separate connections without waiting on each other's row locks (two batches
 * cut from one stream share the signals that span them, and would take turns). SQLite has one
 * writer: one lane there. Within a lane, messages keep their order.
 */
export function createBatchApplier(store: Store, options: BatchApplierOptions = {}): BatchApplier {
  const batchSize = options.batchSize ?? 1000;
  const laneCount = store.dialect === 'sqlite' ? 1 : Math.max(1, options.concurrency ?? 2);
  const lanes = Array.from({ length: laneCount }, (_, slot) => ({
    slot,
    queued: [] as ParsedMessage[],
    applying: Promise.resolve(),
  }));
  let failure: { error: unknown } | null = null;
  const check = () => {
    if (failure !== null) throw failure.error;
  };
  const start = async (lane: (typeof lanes)[number]) => {
    await lane.applying;
    check();
    const batch = lane.queued;
    lane.queued = [];
    lane.applying = applyBatch(store, batch, { rollupSlot: lane.slot }).then(
      (r) => options.onApplied?.(r),
      (error: unknown) => {
        failure ??= { error };
      },
    );
  };
  return {
    async submit(messages) {
      check();
      for (const m of messages) {
        const lane = lanes[laneOf(m, lanes.length)] as (typeof lanes)[number];
        lane.queued.push(m);
        if (lane.queued.length >= batchSize) await start(lane);
      }
    },
    async drain() {
      for (const lane of lanes) if (lane.queued.length > 0) await start(lane);
      await Promise.all(lanes.map((lane) => lane.applying));
      check();
    },
  };
}

/** Turns one NDJSON line of an exported topic into a message for parseMessage, or a dead letter. */
export function readEventLine(text: string, file: string, line: number, topics: TopicMap = DEFAULT_TOPICS): ParsedMessage {
  const unreadable = (why: string): RejectedMessage => ({
    ok: false,
    problems: [{ path: '$', message: why }],
    raw: text,
    topic: 'unknown',
    key: null,
    source: { type: 'file', file, line, topic: 'unknown', key: null },
    eventId: null,
    signalId: null,
  });
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch (error) {
    return unreadable(`line ${line} is not JSON: ${(error as Error).message}`);
  }
  if (envelope === null || typeof envelope !== 'object' || Array.isArray(envelope)) return unreadable(`line ${line} is not a JSON object`);
  const { topic, key, value } = envelope as Record<string, unknown>;
  if (typeof topic !== 'string') return unreadable(`line ${line} has no "topic" string`);
  if (key !== undefined && key !== null && typeof key !== 'string') return unreadable(`line ${line}: "key" must be a string or null`);
  const k = typeof key === 'string' ? key : null;
  const raw = typeof value === 'string' ? value : value === undefined || value === null ? null : JSON.stringify(value);
  return parseMessage({ topic, key: k, value: raw, source: { type: 'file', file, line, topic, key: k } }, topics);
}

/**
 * Applies an NDJSON event file (or stream) through applyBatch in batches. Memory stays constant: each
 * lane holds at most the batch it is applying and the one it is filling, and reading waits for them.
 */
export async function ingestLines(store: Store, input: string | Readable, options: IngestOptions = {}): Promise<IngestSummary> {
  const batchSize = options.batchSize ?? 1000;
  const started = performance.now();
  let stream: Readable;
  const name = typeof input === 'string' ? input : 'stdin';
  if (typeof input === 'string') {
    await assertReadableFile(input);
    stream = createReadStream(input);
  } else {
    stream = input;
  }
  // bytes are counted as the lines are pulled: a 'data' listener would switch the stream to flowing
  // mode and read the whole file ahead of the database
  let bytesRead = 0;
  const summary: IngestSummary = { read: 0, applied: 0, duplicates: 0, deadLetters: 0, unreadableLines: 0, seconds: 0 };
  const applier = createBatchApplier(store, {
    batchSize,
    concurrency: options.concurrency,
    onApplied: (r) => {
      summary.applied += r.applied;
      summary.duplicates += r.duplicates;
      summary.deadLetters += r.deadLetters;
      summary.seconds = (performance.now() - started) / 1000;
      options.onProgress?.(summary, bytesRead);
    },
  });
  let lineNo = 0;
  for await (const text of readLines(stream, (n) => (bytesRead += n))) {
    lineNo++;
    if (text.trim() === '') continue;
    summary.read++;
    const message = readEventLine(text, name, lineNo, options.topics);
    if (!message.ok && message.topic === 'unknown') {
      summary.unreadableLines++;
      options.onUnreadableLine?.(lineNo, message.problems[0]?.message ?? 'unreadable');
    }
    await applier.submit([message]);
  }
  await applier.drain();
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}
