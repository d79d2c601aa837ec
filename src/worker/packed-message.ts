import type { IHeaders, KafkaMessage } from 'kafkajs';
import { refusalOf, refusedValue } from './compression-codecs.ts';

/**
 * A fetched message packed into one Buffer of its own while it waits in a partition buffer: its offset,
 * produce time, attributes, key, value and headers, byte for byte. kafkajs hands each message as an object
 * with a view of the fetch response for its key, its value and each header value; kept as they are, the
 * 74,000 messages the buffers held at most (30 partitions of 2,000 then, plus what a fetch overshoots) cost about
 * 500 bytes of heap each besides their bytes, and one view would keep the whole response alive. Packed, a
 * message costs one small Buffer; `unpackMessage` gives the object back when its slice is taken, its key, value
 * and header values views of the packed Buffer.
 *
 * Layout (lengths little-endian u32, NULL_LENGTH for null): flags u8, attributes i8, offset (u8 length, latin1),
 * timestamp (u8 length, latin1), key, value; then, with HAS_HEADERS, the count of header names and for each its
 * name (utf8), its shape (ONE value or an ARRAY of a count) and each value: a tag (null, Buffer or string) and
 * its bytes. A message in the old format (no headers) keeps its size after the attributes (u32). With REFUSED
 * the value bytes are the reason refusalOf gave for a batch that could not be decompressed. What kafkajs adds
 * besides (magicByte, isControlRecord, batchContext, an old-format crc) is not kept: nothing reads it.
 */

const HAS_HEADERS = 1;
const REFUSED = 2;
const NULL_LENGTH = 0xffff_ffff;
const ONE = 0;
const ARRAY = 1;
const TAG_NULL = 0;
const TAG_BUFFER = 1;
const TAG_STRING = 2;
/** a header value as kafkajs decodes it (a Buffer, or null for a null value) or as a test may build it (a string) */
type HeaderValue = Buffer | string | null;

const bytesOf = (v: HeaderValue): number => (v === null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.byteLength);

/** The packed size of a message. */
function packedSize(m: KafkaMessage, refused: string | null): number {
  let size = 2 + 1 + m.offset.length + 1 + m.timestamp.length + 4 + (m.key?.byteLength ?? 0) + 4;
  size += refused === null ? (m.value?.byteLength ?? 0) : Buffer.byteLength(refused);
  if (m.headers === undefined) return size + 4;
  size += 4;
  for (const [name, v] of Object.entries(m.headers as IHeaders)) {
    if (v === undefined) continue;
    size += 4 + Buffer.byteLength(name) + 1;
    const values = (Array.isArray(v) ? v : [v]) as HeaderValue[];
    if (Array.isArray(v)) size += 4;
    for (const x of values) size += 1 + 4 + bytesOf(x);
  }
  return size;
}

/** A short ASCII text (an offset or a timestamp kafkajs wrote as digits). */
function writeShort(b: Buffer, at: number, text: string): number {
  if (text.length > 255) throw new RangeError(`a message's offset or timestamp of ${text.length} characters`);
  b[at] = text.length;
  return at + 1 + b.write(text, at + 1, 'latin1');
}

function writeBytes(b: Buffer, at: number, bytes: Buffer | null): number {
  if (bytes === null) return b.writeUInt32LE(NULL_LENGTH, at);
  at = b.writeUInt32LE(bytes.byteLength, at);
  return at + bytes.copy(b, at);
}

function writeText(b: Buffer, at: number, text: string): number {
  const length = b.write(text, at + 4, 'utf8');
  b.writeUInt32LE(length, at);
  return at + 4 + length;
}

function writeHeaderValue(b: Buffer, at: number, v: HeaderValue): number {
  if (v === null) {
    b[at] = TAG_NULL;
    return at + 1;
  }
  b[at] = typeof v === 'string' ? TAG_STRING : TAG_BUFFER;
  return typeof v === 'string' ? writeText(b, at + 1, v) : writeBytes(b, at + 1, v);
}

/** The message in one Buffer of its own (none of it a view of the fetch response). */
export function packMessage(m: KafkaMessage): Buffer {
  const refused = refusalOf(m.value);
  const b = Buffer.allocUnsafe(packedSize(m, refused));
  b[0] = (m.headers === undefined ? 0 : HAS_HEADERS) | (refused === null ? 0 : REFUSED);
  b.writeInt8(m.attributes, 1);
  let at = 2;
  if (m.headers === undefined) at = b.writeUInt32LE(((m as { size?: number }).size ?? 0) >>> 0, at);
  at = writeShort(b, at, m.offset);
  at = writeShort(b, at, m.timestamp);
  at = writeBytes(b, at, m.key);
  at = refused === null ? writeBytes(b, at, m.value) : writeText(b, at, refused);
  if (m.headers === undefined) return b;
  const entries = Object.entries(m.headers as IHeaders).filter(([, v]) => v !== undefined);
  at = b.writeUInt32LE(entries.length, at);
  for (const [name, v] of entries) {
    at = writeText(b, at, name);
    if (!Array.isArray(v)) {
      b[at] = ONE;
      at = writeHeaderValue(b, at + 1, v as HeaderValue);
      continue;
    }
    b[at] = ARRAY;
    at = b.writeUInt32LE(v.length, at + 1);
    for (const x of v as HeaderValue[]) at = writeHeaderValue(b, at, x);
  }
  return b;
}

/** Reads a packed message back: the key, value and header values are views of `b`. */
export function unpackMessage(b: Buffer): KafkaMessage {
  let at = 0;
  const flags = b[at++] as number;
  const attributes = b.readInt8(at++);
  let size: number | undefined;
  if ((flags & HAS_HEADERS) === 0) {
    size = b.readUInt32LE(at);
    at += 4;
  }
  const short = (): string => {
    const length = b[at] as number;
    at += 1 + length;
    return b.toString('latin1', at - length, at);
  };
  const bytes = (): Buffer | null => {
    const length = b.readUInt32LE(at);
    at += 4;
    if (length === NULL_LENGTH) return null;
    at += length;
    return b.subarray(at - length, at);
  };
  const text = (): string => (bytes() as Buffer).toString('utf8');
  const offset = short();
  const timestamp = short();
  const key = bytes();
  const value = (flags & REFUSED) === 0 ? bytes() : refusedValue(text());
  if (size !== undefined) return { offset, timestamp, attributes, key, value, size };
  const headerValue = (): HeaderValue => {
    const tag = b[at++];
    return tag === TAG_NULL ? null : tag === TAG_STRING ? text() : bytes();
  };
  const entries: [string, HeaderValue | HeaderValue[]][] = [];
  const count = b.readUInt32LE(at);
  at += 4;
  for (let i = 0; i < count; i++) {
    const name = text();
    const shape = b[at++];
    if (shape === ONE) {
      entries.push([name, headerValue()]);
      continue;
    }
    const n = b.readUInt32LE(at);
    at += 4;
    const values: HeaderValue[] = [];
    for (let j = 0; j < n; j++) values.push(headerValue());
    entries.push([name, values]);
  }
  // own properties, a header named __proto__ included
  return { offset, timestamp, attributes, key, value, headers: Object.fromEntries(entries) as IHeaders };
}
