import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4's record decoder (src/protocol/recordBatch/record/v0/decoder.js) builds a record's headers with
 * an object spread per header, and an array copy per repeated value: time quadratic in the header count. One
 * message of 20,000 headers (180 kB, any producer may send it) held the worker thread for 135 s in the fetch that
 * brought it, past the session timeout, and every fetch after brought it again. This decoder gives the same
 * record, its headers built in one pass, and takes the original's place in kafkajs's module cache before the
 * record batch decoder (loaded at the first fetch) requires it. kafkajs is pinned at 2.2.4 and no longer
 * released; test/worker/kafkajs-record-decoder.unit.test.ts holds the two decoders to the same records.
 */

const require = createRequire(import.meta.url);
const RECORD_DECODER = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder.js');
const BATCH_DECODER = require.resolve('kafkajs/src/protocol/recordBatch/v0/decoder.js');

interface KafkajsDecoder {
  readInt8(): number;
  readVarLong(): { toString(): string };
  readVarInt(): number;
  readVarIntBytes(): Buffer | null;
  readVarIntString(): string | null;
  readVarIntArray<T>(read: (decoder: KafkajsDecoder) => T): T[];
}
interface LongStatic {
  fromValue(v: unknown): { add(v: unknown): { toString(): string } };
}
type HeaderValue = Buffer | null;
type RecordDecoder = (decoder: KafkajsDecoder, batchContext?: Record<string, unknown>) => Record<string, unknown>;

/** Where a linear decoder in kafkajs's place keeps the decoder it replaced (another instance of this module may have put it there). */
const REPLACED = Symbol.for('signal-ledger.kafkajs-record-decoder.replaced');
type Replacing = RecordDecoder & { [REPLACED]?: RecordDecoder };

/** kafkajs's own record decoder, as it ships: the reference the tests hold this one to. */
export const kafkajsRecordDecoder: RecordDecoder = (() => {
  const exported = require(RECORD_DECODER) as Replacing;
  return exported[REPLACED] ?? exported;
})();
const Long = require('kafkajs/src/utils/long') as LongStatic;
const { LOG_APPEND_TIME } = require('kafkajs/src/protocol/timestampTypes') as { LOG_APPEND_TIME: number };
const readHeader = require('kafkajs/src/protocol/recordBatch/header/v0/decoder') as (decoder: KafkajsDecoder) => { key: string; value: HeaderValue };

/** A record as kafkajs's decoder gives it, the headers built in one pass: a repeated name's values in an array, in order. */
export const linearRecordDecoder: RecordDecoder = (decoder, batchContext = {}) => {
  const { firstOffset, firstTimestamp, magicByte, isControlBatch = false, timestampType, maxTimestamp } = batchContext;
  const attributes = decoder.readInt8();
  const timestampDelta = decoder.readVarLong();
  const timestamp = timestampType === LOG_APPEND_TIME && maxTimestamp ? maxTimestamp : Long.fromValue(firstTimestamp).add(timestampDelta).toString();
  const offsetDelta = decoder.readVarInt();
  const offset = Long.fromValue(firstOffset).add(offsetDelta).toString();
  const key = decoder.readVarIntBytes();
  const value = decoder.readVarIntBytes();
  // own properties, as the spread made them (a header named __proto__ included)
  const headers: Record<string, HeaderValue | HeaderValue[]> = {};
  const repeated = new Set<string>();
  for (const h of decoder.readVarIntArray(readHeader)) {
    // a null name (length -1 on the wire) is the property "null", as kafkajs's spread makes it
    const name = String(h.key);
    if (!Object.hasOwn(headers, name)) {
      Object.defineProperty(headers, name, { value: h.value, writable: true, enumerable: true, configurable: true });
    } else if (repeated.has(name)) {
      (headers[name] as HeaderValue[]).push(h.value);
    } else {
      repeated.add(name);
      headers[name] = [headers[name] as HeaderValue, h.value];
    }
  }
  return { magicByte, attributes, timestamp, offset, key, value, headers, isControlRecord: isControlBatch, batchContext };
};

let installed = false;
/** Puts linearRecordDecoder in the place of kafkajs's record decoder in this thread (its module cache is per thread); idempotent. */
export function installLinearRecordDecoder(): void {
  if (installed) return;
  const entry = require.cache[RECORD_DECODER] as NodeJS.Module;
  // another instance of this module (a test runner that loads modules again in one process) put its own there
  if ((entry.exports as Replacing)[REPLACED] === undefined) {
    if (require.cache[BATCH_DECODER] !== undefined) throw new Error("kafkajs's record batch decoder was loaded before the linear record decoder took its place");
    (linearRecordDecoder as Replacing)[REPLACED] = entry.exports as RecordDecoder;
    entry.exports = linearRecordDecoder;
  }
  installed = true;
}
