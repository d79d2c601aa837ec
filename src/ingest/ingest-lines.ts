import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, type Readable, type Transform } from 'node:stream';
// the module, not its named exports: zstd is in node:zlib from Node.js 22.15, and a named import would fail to link
// on an older Node.js before the engines guard (node-version.ts) could say so in one line
import zlib from 'node:zlib';
import {
  keyText,
  LIMITS,
  nestsDeeperThan,
  type ParsedMessage,
  parseApiEvent,
  parseMessage,
  type ParseOptions,
  type RejectedMessage,
  storableProblems,
  storableRaw,
  storableText,
  topLevelValueSpans,
} from '../contract/index.ts';
import { assertReadableFile } from './readable-file.ts';
import { describeError, ErrorCode, LedgerError } from '../errors.ts';
import type { Store } from '../store/index.ts';
import { createBatchApplier } from './batch-applier.ts';

export interface IngestSummary {
  read: number;
  applied: number;
  duplicates: number;
  deadLetters: number;
  /** lines that were not a `{"topic", "key", "value"}` object (also recorded as dead letters) */
  unreadableLines: number;
  seconds: number;
}

export interface IngestOptions extends ParseOptions {
  /** messages per transaction (default LIMITS.defaultIngestBatch) */
  batchSize?: number;
  /** lanes applying at once on PostgreSQL, messages split between them by signal (default 2); always 1 on SQLite */
  concurrency?: number;
  /** a longer line is a dead letter holding its first bytes, length and sha256 (default LIMITS.maxLineBytes, 2 MiB) */
  maxLineBytes?: number;
  /** called after every batch with the running totals and the bytes read so far */
  onProgress?: (summary: IngestSummary, bytesRead: number) => void;
  /** called for each unreadable line (line number, why) */
  onUnreadableLine?: (line: number, why: string) => void;
}

/** One line of a file: its bytes, or, when it is longer than the limit, what is kept of it. */
export type FileLine = { bytes: Buffer } | { oversize: { length: number; sha256: string; head: Buffer } };

/** Bytes of an oversized line kept in its dead letter. */
const OVERSIZE_HEAD_BYTES = 1024;

/**
 * The lines of a stream as bytes (without the line end), pulled chunk by chunk: reading waits while
 * the consumer is busy, and a line longer than `maxLineBytes` is not held: its length and sha256 are
 * taken as it streams past and only its first bytes are kept, so memory stays bounded whatever the input.
 */
export async function* readLines(stream: Readable, options: { maxLineBytes?: number; onBytes?: (n: number) => void } = {}): AsyncGenerator<FileLine> {
  const max = options.maxLineBytes ?? LIMITS.maxLineBytes;
  let parts: Buffer[] = [];
  let size = 0;
  let oversize: { length: number; hash: ReturnType<typeof createHash>; head: Buffer } | null = null;
  const add = (piece: Buffer) => {
    if (oversize === null && size + piece.length <= max) {
      parts.push(piece);
      size += piece.length;
      return;
    }
    if (oversize === null) {
      const all = Buffer.concat(parts);
      oversize = { length: size, hash: createHash('sha256').update(all), head: Buffer.from(all.subarray(0, OVERSIZE_HEAD_BYTES)) };
      parts = [];
    }
    if (oversize.head.length < OVERSIZE_HEAD_BYTES) oversize.head = Buffer.concat([oversize.head, piece.subarray(0, OVERSIZE_HEAD_BYTES - oversize.head.length)]);
    oversize.hash.update(piece);
    oversize.length += piece.length;
  };
  const end = (): FileLine => {
    let line: FileLine;
    if (oversize === null) {
      const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
      line = { bytes: bytes.at(-1) === 0x0d ? bytes.subarray(0, -1) : bytes };
    } else {
      line = { oversize: { length: oversize.length, sha256: oversize.hash.digest('hex'), head: oversize.head } };
    }
    parts = [];
    size = 0;
    oversize = null;
    return line;
  };
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    options.onBytes?.(buffer.length);
    let from = 0;
    for (let nl = buffer.indexOf(0x0a, from); nl !== -1; nl = buffer.indexOf(0x0a, from)) {
      add(buffer.subarray(from, nl));
      yield end();
      from = nl + 1;
    }
    if (from < buffer.length) add(buffer.subarray(from));
  }
  if (size > 0 || oversize !== null) yield end();
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns one NDJSON line of an exported topic (`{"topic", "key", "value"}`, value an object or a JSON
 * string) into a message for parseMessage, or a dead letter. An object value is passed on as the exact
 * text it has in the line, so every digit and the audit payload stay as written.
 */
export function readEventLine(line: FileLine | string, file: string, lineNo: number, options: ParseOptions & { maxLineBytes?: number } = {}): ParsedMessage {
  try {
    return readLine(line, file, lineNo, options);
  } catch (error) {
    // nothing a line holds may stop an ingest: what nobody foresaw is an unreadable line too
    return unreadableLine(file, lineNo, `line ${lineNo} could not be read: ${describeError(error)}`, null);
  }
}

/** Dead letters of lines that are not a `{"topic", "key", "value"}` object (ingest counts them and exits 2). */
const unreadableLines = new WeakSet<RejectedMessage>();

/** True for the dead letter of a line that is not a `{"topic", "key", "value"}` object. */
export function isUnreadableLine(message: ParsedMessage): message is RejectedMessage {
  return !message.ok && unreadableLines.has(message);
}

function unreadableLine(file: string, lineNo: number, why: string, raw: string | null): RejectedMessage {
  const m: RejectedMessage = {
    ok: false,
    problems: storableProblems([{ path: '$', message: why }]),
    raw,
    topic: 'unknown',
    key: null,
    source: { type: 'file', file, line: lineNo, topic: 'unknown', key: null },
    eventId: null,
    signalId: null,
  };
  unreadableLines.add(m);
  return m;
}

function readLine(line: FileLine | string, file: string, lineNo: number, options: ParseOptions & { maxLineBytes?: number }): ParsedMessage {
  const unreadable = (why: string, raw: string | null) => unreadableLine(file, lineNo, why, raw);
  let text: string;
  let bytes: Buffer | undefined;
  if (typeof line === 'string') text = line;
  else if ('oversize' in line) {
    const { length, sha256, head } = line.oversize;
    const max = options.maxLineBytes ?? LIMITS.maxLineBytes;
    let kept: string;
    try {
      // streaming, so a character cut by the limit is left out rather than called invalid
      kept = storableRaw(new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true }), head);
    } catch {
      kept = `base64:${head.toString('base64')}`;
    }
    return unreadable(`line ${lineNo} is ${length} bytes, longer than the limit of ${max} (--max-line-bytes, INGEST_MAX_LINE_BYTES); sha256 ${sha256}; its first ${head.length} bytes are kept`, kept);
  } else {
    bytes = line.bytes;
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      return unreadable(`line ${lineNo} is not valid UTF-8`, `base64:${bytes.toString('base64')}`);
    }
  }
  const raw = () => storableRaw(text, bytes);
  let topic: unknown;
  let key: unknown;
  let valueText: string | null;
  // the envelope adds one level to the value's
  if (text.length > 4096 && nestsDeeperThan(text, LIMITS.maxJsonDepth + 1)) {
    // too deep to parse whole: the envelope's members are read from their spans, so the dead letter
    // names its topic and key as a short line's would, and parseMessage refuses the value
    // (the text was never parsed whole, so a bad key or string in it makes this throw: then it is unreadable)
    try {
      const spans = topLevelValueSpans(text);
      const member = (name: string) => {
        const span = spans.get(name);
        return span === undefined ? undefined : text.slice(span.start, span.end);
      };
      topic = JSON.parse(member('topic') ?? 'null');
      key = JSON.parse(member('key') ?? 'null');
      const value = member('value');
      valueText = value === undefined || value === 'null' ? null : value.startsWith('"') ? (JSON.parse(value) as string) : value;
    } catch {
      return unreadable(`line ${lineNo} is nested deeper than ${LIMITS.maxJsonDepth} levels`, raw());
    }
  } else {
    let envelope: unknown;
    try {
      envelope = JSON.parse(text);
    } catch (error) {
      return unreadable(`line ${lineNo} is not JSON: ${(error as Error).message}`, raw());
    }
    if (envelope === null || typeof envelope !== 'object' || Array.isArray(envelope)) return unreadable(`line ${lineNo} is not a JSON object`, raw());
    const members = envelope as Record<string, unknown>;
    if (members.origin !== undefined) return readApiLine(members, file, lineNo, raw);
    topic = members.topic;
    key = members.key;
    if (typeof members.value === 'string') valueText = members.value;
    else if (members.value === undefined || members.value === null) valueText = null;
    else {
      // an object value goes on as its exact text in the line, so every digit is kept
      const span = topLevelValueSpans(text).get('value');
      valueText = span === undefined ? JSON.stringify(members.value) : text.slice(span.start, span.end);
    }
  }
  if (typeof topic !== 'string') return unreadable(`line ${lineNo} has no "topic" string`, raw());
  if (key !== undefined && key !== null && typeof key !== 'string') return unreadable(`line ${lineNo}: "key" must be a string or null`, raw());
  const k = typeof key === 'string' ? keyText(key) : null;
  return parseMessage({ topic, key: k, value: valueText, source: { type: 'file', file, line: lineNo, topic, key: k } }, options);
}

/**
 * A line `export` wrote for an event a repository call made: `"origin": "api"`, its value the event's JSON as a
 * string. It is recorded as the repository recorded it (source api), or is a dead letter naming what is wrong.
 */
function readApiLine(members: Record<string, unknown>, file: string, lineNo: number, raw: () => string): ParsedMessage {
  if (members.origin !== 'api') return unreadableLine(file, lineNo, `line ${lineNo}: "origin" is "api" (an event of a repository call, as export writes it) or absent`, raw());
  if (typeof members.value !== 'string') return unreadableLine(file, lineNo, `line ${lineNo}: the "value" of an "origin": "api" line is the event's JSON, as a string`, raw());
  const value = members.value;
  const parsed = parseApiEvent(value);
  if (parsed.ok) return { ok: true, event: parsed.event, payload: value, contentHash: parsed.contentHash, source: { type: 'api' } };
  const topic = typeof members.topic === 'string' ? members.topic : 'unknown';
  // a value that is a JSON object names its ids, which the dead letter keeps
  const fields = (parsed.problems.some((p) => p.path === '$') ? {} : JSON.parse(value)) as Record<string, unknown>;
  const id = (name: string) => (typeof fields[name] === 'string' ? storableText(fields[name], LIMITS.maxIdLength) : null);
  return {
    ok: false,
    problems: storableProblems(parsed.problems),
    raw: storableRaw(value),
    topic,
    key: null,
    source: { type: 'file', file, line: lineNo, topic, key: null },
    eventId: id('eventId'),
    signalId: id('signalId'),
  };
}

/** A line of nothing but spaces and tabs (and the CR of a CRLF line end). */
function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  return true;
}

/** The lines of a compressed file: a truncated or corrupt one ends in an error that says so (the lines before it are applied). */
async function* decompressing(lines: AsyncGenerator<FileLine>, file: string, beforeFailing: () => Promise<void>): AsyncGenerator<FileLine> {
  try {
    yield* lines;
  } catch (error) {
    await beforeFailing();
    throw new LedgerError(ErrorCode.FileUnreadable, `${file}: cannot be decompressed (${describeError(error)}); the lines before that point were applied`, { cause: error });
  }
}

/** gzip's and zstd's first bytes: a file that starts with them is read through their decompressor. */
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** A decompressor for a gzip or zstd file (told by its first bytes, whatever its name), or null for a plain one. */
async function decompressorOf(file: string): Promise<Transform | null> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    if (bytesRead >= 2 && head.subarray(0, 2).equals(GZIP_MAGIC)) return zlib.createGunzip();
    if (bytesRead === 4 && head.equals(ZSTD_MAGIC)) return zlib.createZstdDecompress();
    return null;
  } finally {
    await handle.close();
  }
}

/**
 * Applies an NDJSON event file (or stream) through applyBatch in batches; a gzip or zstd file is decompressed as it is read. Memory stays constant: each
 * lane holds at most the batch it is applying and the one it is filling (each of at most `batchSize` messages and the lane's share of MAX_BATCH_TEXT), and
 * reading waits for them.
 */
export async function ingestLines(store: Store, input: string | Readable, options: IngestOptions = {}): Promise<IngestSummary> {
  const batchSize = options.batchSize ?? LIMITS.defaultIngestBatch;
  const started = performance.now();
  let stream: Readable;
  const name = typeof input === 'string' ? input : 'stdin';
  // the bytes of the file read so far (compressed, for a compressed file), for the progress bar
  let bytesRead = 0;
  let compressed = false;
  if (typeof input === 'string') {
    await assertReadableFile(input);
    const file = createReadStream(input);
    const decompress = await decompressorOf(input);
    compressed = decompress !== null;
    if (decompress === null) stream = file;
    else {
      // piped, so the file is read no faster than the lines are pulled; a truncated or corrupt file fails the stream
      file.on('data', (chunk) => (bytesRead += chunk.length));
      stream = pipeline(file, decompress, () => {});
    }
  } else {
    stream = input;
  }
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
  // plain bytes are counted as the lines are pulled: a 'data' listener would switch the stream to flowing
  // mode and read the whole file ahead of the database
  const lines = readLines(stream, { maxLineBytes: options.maxLineBytes, onBytes: (n) => (compressed ? undefined : (bytesRead += n)) });
  // the lines read before a truncated or corrupt part are applied before the error says so
  for await (const line of compressed ? decompressing(lines, name, () => applier.drain()) : lines) {
    lineNo++;
    if ('bytes' in line && isBlank(line.bytes)) continue;
    summary.read++;
    const message = readEventLine(line, name, lineNo, options);
    if (isUnreadableLine(message)) {
      summary.unreadableLines++;
      options.onUnreadableLine?.(lineNo, message.problems[0]?.message ?? 'unreadable');
    }
    await applier.submit([message]);
  }
  await applier.drain();
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}
