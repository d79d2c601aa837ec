/**
 * Kafka's compression codecs for kafkajs, which ships only gzip: snappy, lz4 and zstd, and gzip again
 * with a size bound. Each decompresses what Apache Kafka's Java client and librdkafka write:
 * - snappy: the Java client's xerial framing (`\x82SNAPPY\0`, two versions, then length-prefixed raw
 *   chunks) and librdkafka's bare raw snappy (snappyjs, pure JavaScript);
 * - lz4: the LZ4 frame format with any block size, independent or linked blocks, a content size,
 *   skippable frames, block and content checksums (read past, not verified: the record batch's CRC,
 *   which the broker checked, covers these bytes); blocks are decoded by lz4-napi (lz4_flex, bounds-checked);
 * - zstd and gzip: Node's zlib.
 *
 * Decompression bombs: one batch may decompress to at most MAX_DECOMPRESSED_BATCH_BYTES. Past it the
 * codec stops at once (having allocated about the limit at most); a corrupt batch stops it too. kafkajs
 * decompresses a whole batch before the worker sees any of its messages, so the codec then gives kafkajs
 * a stand-in record for each offset of the batch instead (standInRecords), which the worker records as
 * a dead letter naming the codec and the limit (refusalOf) before it goes on: nothing of the batch can
 * be read, and nothing stops the worker. Only when the batch header cannot be read, or claims more
 * than MAX_STAND_INS records, is the LedgerError (LIMIT_EXCEEDED, INPUT_INVALID, not retriable) thrown:
 * the consumer then stops without committing past the batch.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import kafkajs, { type CompressionTypes } from 'kafkajs';
import { compressFrame, uncompressSync } from 'lz4-napi';
import snappy from 'snappyjs';
import type { Compression } from '../config.ts';
import { ErrorCode, LedgerError } from '../errors.ts';

/** The most bytes one record batch may decompress to: the worker thread's heap is 128 MB, and kafkajs holds a batch's records both decompressed and decoded. */
export const MAX_DECOMPRESSED_BATCH_BYTES = 64 * 1024 * 1024;

/** The codecs that compress: every Compression but 'none'. */
export type CompressionCodec = Exclude<Compression, 'none'>;

const gzip = promisify(zlib.gzip);
const unzip = promisify(zlib.unzip);
const zstdCompress = promisify(zlib.zstdCompress);
const zstdDecompress = promisify(zlib.zstdDecompress);

/** kafkajs retries any error whose `retriable` is not false, then restarts the consumer: the same bytes would fail again. */
class CodecError extends LedgerError {
  readonly retriable = false;
}

const mib = (bytes: number) => (bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`);

function tooLarge(codec: CompressionCodec, maxBytes: number, cause?: unknown): CodecError {
  return new CodecError(
    ErrorCode.LimitExceeded,
    `${codec} record batch decompresses to more than ${mib(maxBytes)} (MAX_DECOMPRESSED_BATCH_BYTES): refused as a possible decompression bomb`,
    { cause, codec, maxBytes },
  );
}

function corrupt(codec: CompressionCodec, why: string, cause?: unknown): CodecError {
  return new CodecError(ErrorCode.InputInvalid, `${codec} record batch cannot be decompressed: ${why}`, { cause, codec });
}

/** Compresses a record batch's records as the codec's Kafka producers do (lz4: a frame of independent blocks; snappy: raw, as librdkafka). */
export async function compressRecords(codec: CompressionCodec, data: Buffer): Promise<Buffer> {
  switch (codec) {
    case 'gzip':
      return gzip(data);
    case 'snappy':
      return snappy.compress(data);
    case 'lz4':
      return compressFrame(data);
    case 'zstd':
      return zstdCompress(data);
    default:
      return codec satisfies never;
  }
}

/** Decompresses a record batch's records; throws a not-retriable LedgerError past maxBytes or on corrupt input. */
export async function decompressRecords(codec: CompressionCodec, data: Buffer, maxBytes = MAX_DECOMPRESSED_BATCH_BYTES): Promise<Buffer> {
  switch (codec) {
    case 'gzip':
      return inflateWithZlib(codec, unzip, data, maxBytes);
    case 'zstd':
      return inflateWithZlib(codec, zstdDecompress, data, maxBytes);
    case 'snappy':
      return decompressSnappy(data, maxBytes);
    case 'lz4':
      return decompressLz4(data, maxBytes);
    default:
      return codec satisfies never;
  }
}

async function inflateWithZlib(codec: CompressionCodec, inflate: (data: Buffer, options: { maxOutputLength: number }) => Promise<Buffer>, data: Buffer, maxBytes: number): Promise<Buffer> {
  try {
    // zlib stops and fails as soon as its output passes maxOutputLength
    return await inflate(data, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(codec, maxBytes, error);
    throw corrupt(codec, (error as Error).message, error);
  }
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
/** magic, version, compatible version */
const XERIAL_HEADER_BYTES = 16;

function decompressSnappy(data: Buffer, maxBytes: number): Buffer {
  if (!data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) return uncompressSnappyChunk(data, maxBytes, maxBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  let at = XERIAL_HEADER_BYTES;
  while (at < data.length) {
    if (at + 4 > data.length) throw corrupt('snappy', 'a xerial chunk length is cut short');
    const size = data.readUInt32BE(at);
    at += 4;
    if (at + size > data.length) throw corrupt('snappy', 'a xerial chunk is cut short');
    const chunk = uncompressSnappyChunk(data.subarray(at, at + size), maxBytes - total, maxBytes);
    at += size;
    total += chunk.length;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** A raw snappy stream starts with its uncompressed length: checked against the budget before anything is allocated. */
function uncompressSnappyChunk(chunk: Buffer, budget: number, maxBytes: number): Buffer {
  let length = 0;
  let at = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = chunk[at++];
    if (byte === undefined || shift > 28) throw corrupt('snappy', 'no valid uncompressed length');
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  if (length > budget) throw tooLarge('snappy', maxBytes);
  try {
    return snappy.uncompress(chunk);
  } catch (error) {
    throw corrupt('snappy', (error as Error).message, error);
  }
}

const LZ4_MAGIC = 0x184d2204;
/** 0x184D2A50 to 0x184D2A5F: skippable frames, of any content */
const LZ4_SKIPPABLE_MAGIC = 0x184d2a50;
const LZ4_BLOCK_MAX_BYTES: Readonly<Record<number, number>> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };
/** a linked block may copy from the 64 KiB decoded before it */
const LZ4_WINDOW_BYTES = 64 * 1024;

/** LZ4 frames (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md), walked here so that each block is bounded. */
function decompressLz4(data: Buffer, maxBytes: number): Buffer {
  const blocks: Buffer[] = [];
  let total = 0;
  let at = 0;
  const need = (bytes: number) => {
    if (at + bytes > data.length) throw corrupt('lz4', 'the frame is cut short');
  };
  while (at < data.length) {
    need(4);
    const magic = data.readUInt32LE(at);
    if ((magic & 0xfffffff0) >>> 0 === LZ4_SKIPPABLE_MAGIC) {
      need(8);
      const size = data.readUInt32LE(at + 4);
      need(8 + size);
      at += 8 + size;
      continue;
    }
    if (magic !== LZ4_MAGIC) throw corrupt('lz4', `no LZ4 frame magic number (0x${magic.toString(16)})`);
    need(7);
    const flags = data[at + 4] as number;
    const descriptor = data[at + 5] as number;
    at += 6;
    const blockMax = LZ4_BLOCK_MAX_BYTES[descriptor >> 4];
    if (flags >> 6 !== 1 || (flags & 0x02) !== 0 || (descriptor & 0x8f) !== 0 || blockMax === undefined) throw corrupt('lz4', 'unknown frame descriptor version or flags');
    if ((flags & 0x01) !== 0) throw corrupt('lz4', 'the frame needs a dictionary');
    const linked = (flags & 0x20) === 0;
    const checksumBytes = (flags & 0x10) !== 0 ? 4 : 0;
    let contentSize: number | undefined;
    if ((flags & 0x08) !== 0) {
      need(8);
      const size = data.readBigUInt64LE(at);
      if (size > BigInt(maxBytes - total)) throw tooLarge('lz4', maxBytes);
      contentSize = Number(size);
      at += 8;
    }
    need(1);
    at += 1; // header checksum
    const frameStart = total;
    let window: Buffer | undefined;
    for (;;) {
      need(4);
      const word = data.readUInt32LE(at);
      at += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      if (size > blockMax) throw corrupt('lz4', `a block of ${size} bytes in a frame of ${blockMax}-byte blocks`);
      need(size + checksumBytes);
      const payload = data.subarray(at, at + size);
      at += size + checksumBytes;
      const block = word >>> 31 === 1 ? payload : decodeLz4Block(payload, blockMax, linked ? window : undefined);
      total += block.length;
      if (total > maxBytes) throw tooLarge('lz4', maxBytes);
      blocks.push(block);
      if (linked) window = block.length >= LZ4_WINDOW_BYTES || window === undefined ? block.subarray(-LZ4_WINDOW_BYTES) : Buffer.concat([window, block]).subarray(-LZ4_WINDOW_BYTES);
    }
    if ((flags & 0x04) !== 0) {
      need(4);
      at += 4; // content checksum
    }
    if (contentSize !== undefined && total - frameStart !== contentSize) throw corrupt('lz4', `the frame holds ${total - frameStart} bytes, its header says ${contentSize}`);
  }
  return Buffer.concat(blocks, total);
}

/** One compressed block, into at most blockMax bytes: lz4-napi decodes lz4_flex's size-prepended blocks, whose size is a capacity. */
function decodeLz4Block(payload: Buffer, blockMax: number, window: Buffer | undefined): Buffer {
  const sized = Buffer.allocUnsafe(4 + payload.length);
  sized.writeUInt32LE(blockMax, 0);
  payload.copy(sized, 4);
  try {
    return uncompressSync(sized, window);
  } catch (error) {
    throw corrupt('lz4', (error as Error).message, error);
  }
}

const COMPRESSION_TYPES = {
  none: kafkajs.CompressionTypes.None,
  gzip: kafkajs.CompressionTypes.GZIP,
  snappy: kafkajs.CompressionTypes.Snappy,
  lz4: kafkajs.CompressionTypes.LZ4,
  zstd: kafkajs.CompressionTypes.ZSTD,
} as const satisfies Record<Compression, CompressionTypes>;

/** The kafkajs compression type of a codec name (KAFKA_COMPRESSION, --compression), for producer.send's `compression`. */
export function resolveCompressionType(compression: Compression): CompressionTypes {
  return COMPRESSION_TYPES[compression];
}

/** What kafkajs calls: compress gets its records encoder, decompress the batch's compressed records. */
function createKafkajsCodec(codec: CompressionCodec) {
  return {
    compress: (encoder: { buffer: Buffer }) => compressRecords(codec, encoder.buffer),
    decompress: async (data: Buffer) => {
      try {
        return await decompressRecords(codec, data);
      } catch (error) {
        if (!(error instanceof CodecError)) throw error;
        // a refused batch becomes one stand-in record per offset, each a dead letter naming why
        const stubs = standInRecords(data, error.message);
        if (stubs === null) throw error;
        return stubs;
      }
    },
  };
}

/** The most records of a refused batch given stand-ins: kafkajs makes an object of each, in the worker thread's 128 MB heap. */
const MAX_STAND_INS = 100_000;
/** The stand-ins' memory, and why their batch was refused: recognised by identity, so no producer can forge one. */
const refusedBatches = new WeakMap<ArrayBufferLike, string>();

/**
 * The record count and last offset delta of the batch whose records these are. kafkajs 2.2.4 hands the
 * codec a slice of the fetch response, so the batch header lies just before it: lastOffsetDelta 38
 * bytes back, then first and max timestamp, producer id and epoch, base sequence, and the record count
 * in the 4 bytes before the records. Null unless they agree (count = lastOffsetDelta + 1), as they do
 * in every batch a producer writes.
 */
function recordCountOf(data: Buffer): number | null {
  if (data.byteOffset < 38) return null;
  const header = new DataView(data.buffer, data.byteOffset - 38, 38);
  const lastOffsetDelta = header.getInt32(0);
  const count = header.getInt32(34);
  return count > 0 && count <= MAX_STAND_INS && lastOffsetDelta === count - 1 ? count : null;
}

/** Kafka's zigzag varint. */
function varint(n: number): number[] {
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/**
 * The records kafkajs reads in place of a batch that cannot be decompressed (past the size bound, or
 * corrupt): one per offset, with no key and an empty value that refusalOf recognises, so the worker
 * makes each a dead letter and goes on. Null when the batch header cannot be read (then the error stands).
 */
function standInRecords(data: Buffer, reason: string): Buffer | null {
  const count = recordCountOf(data);
  if (count === null) return null;
  const records: number[] = [];
  for (let i = 0; i < count; i++) {
    // attributes, timestamp delta, offset delta, key length -1 (null), value length 0, no headers
    const body = [0, ...varint(0), ...varint(i), ...varint(-1), ...varint(0), ...varint(0)];
    records.push(...varint(body.length), ...body);
  }
  const stubs = Buffer.alloc(records.length);
  stubs.set(records);
  refusedBatches.set(stubs.buffer, reason);
  return stubs;
}

/** A stand-in's empty value that refusalOf recognises, saying `reason` (a stand-in packed while it waits in a buffer, read back). */
export function refusedValue(reason: string): Buffer {
  const value = Buffer.from(new ArrayBuffer(0));
  refusedBatches.set(value.buffer, reason);
  return value;
}

/** Why the message is a stand-in for a record of a batch that could not be decompressed, or null for a real message. */
export function refusalOf(value: Buffer | null): string | null {
  return value === null ? null : (refusedBatches.get(value.buffer) ?? null);
}

let registered = false;
/** Registers the four codecs with kafkajs in this thread (its codec table is per module instance); idempotent. */
export function registerCompressionCodecs(): void {
  if (registered) return;
  registered = true;
  const codecs = kafkajs.CompressionCodecs;
  codecs[kafkajs.CompressionTypes.GZIP] = () => createKafkajsCodec('gzip');
  codecs[kafkajs.CompressionTypes.Snappy] = () => createKafkajsCodec('snappy');
  codecs[kafkajs.CompressionTypes.LZ4] = () => createKafkajsCodec('lz4');
  codecs[kafkajs.CompressionTypes.ZSTD] = () => createKafkajsCodec('zstd');
}
