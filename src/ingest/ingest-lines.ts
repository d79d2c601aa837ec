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
  /** batches applied at once (default 2 on PostgreSQL, 1 on SQLite) */
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

/** Feeds batches to applyBatch, several at once where the database allows it. */
export interface BatchApplier {
  /** resolves when the batch has been handed over (waits while `concurrency` batches are in flight) */
  submit(batch: ParsedMessage[]): Promise<void>;
  /** resolves when every submitted batch is applied; rejects with the first failure */
  drain(): Promise<void>;
}

/**
 * At most `concurrency` batches are applied at once, each in its own transaction: PostgreSQL runs
 * them on separate connections (the row locks of applyBatch keep them correct), so one batch's
 * statements overlap the next one's work in this process. SQLite has one writer: 1 there.
 */
export function createBatchApplier(store: Store, options: { concurrency?: number; onApplied?: (r: ApplyResult) => void } = {}): BatchApplier {
  const concurrency = options.concurrency ?? (store.dialect === 'postgresql' ? 2 : 1);
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | null = null;
  const check = () => {
    if (failure !== null) throw failure.error;
  };
  return {
    async submit(batch) {
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      check();
      const p: Promise<void> = applyBatch(store, batch).then(
        (r) => options.onApplied?.(r),
        (error: unknown) => {
          failure ??= { error };
        },
      );
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    },
    async drain() {
      await Promise.all(inFlight);
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
 * Applies an NDJSON event file (or stream) through applyBatch in batches. Memory stays constant: one
 * batch is held at a time and reading waits while it is applied.
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
  let batch: ParsedMessage[] = [];
  const applier = createBatchApplier(store, {
    concurrency: options.concurrency,
    onApplied: (r) => {
      summary.applied += r.applied;
      summary.duplicates += r.duplicates;
      summary.deadLetters += r.deadLetters;
      summary.seconds = (performance.now() - started) / 1000;
      options.onProgress?.(summary, bytesRead);
    },
  });
  const flush = async () => {
    if (batch.length === 0) return;
    const applying = batch;
    batch = [];
    await applier.submit(applying);
  };
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
    batch.push(message);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  await applier.drain();
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}
