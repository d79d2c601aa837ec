// A buffered message packed into one Buffer of its own (src/worker/packed-message.ts) reads back as the message
// it was: offset, timestamp, attributes, key, value and headers (null values, repeated names as arrays, strings
// and bytes, any name), an old-format message with its size, and a stand-in for a refused batch that
// refusalOf still recognises, saying the same reason. What is read back views the packed Buffer, not the message.
import fc from 'fast-check';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { refusalOf, refusedValue } from '../../src/worker/compression-codecs.ts';
import { packMessage, unpackMessage } from '../../src/worker/packed-message.ts';

const bytes = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
const headerValue = fc.oneof(bytes, fc.string({ unit: 'binary', maxLength: 20 }), fc.constant(null));
const headers = fc.option(
  fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 12 }), fc.oneof(headerValue, fc.array(headerValue, { minLength: 2, maxLength: 4 }))), { maxLength: 6 }).map((entries) => Object.fromEntries(entries) as IHeaders),
  { nil: undefined },
);
const digits = (max: bigint) => fc.bigInt({ min: -1n, max }).map(String);
const message = fc
  .record({
    offset: digits(2n ** 63n - 1n),
    timestamp: digits(2n ** 63n - 1n),
    attributes: fc.integer({ min: -128, max: 127 }),
    key: fc.option(bytes, { nil: null }),
    value: fc.option(bytes, { nil: null }),
    headers,
    size: fc.nat(),
  })
  // a record batch's message has headers; an old-format one (no headers) has its size
  .map(({ headers, size, ...m }) => (headers === undefined ? { ...m, size } : { ...m, headers }) as KafkaMessage);

describe('a packed message', () => {
  it('reads back as the message it was, its key and value views of the packed Buffer', () => {
    fc.assert(
      fc.property(message, (m) => {
        const packed = packMessage(m);
        const back = unpackMessage(packed);
        expect(back).toStrictEqual(m);
        for (const part of [back.key, back.value]) if (part !== null) expect(part.buffer).toBe(packed.buffer);
      }),
      { numRuns: 1_000 },
    );
  });

  it('keeps a stand-in for a refused batch one that refusalOf recognises, with its reason', () => {
    const standIn = { offset: '3', timestamp: '1', attributes: 0, key: null, value: refusedValue('zstd record batch decompresses to more than 64 MiB'), headers: {} } as KafkaMessage;
    const back = unpackMessage(packMessage(standIn));
    expect(refusalOf(back.value)).toBe('zstd record batch decompresses to more than 64 MiB');
    expect(back.value?.byteLength).toBe(0);
    // an empty value that is not a stand-in stays an ordinary empty value
    expect(refusalOf(unpackMessage(packMessage({ ...standIn, value: Buffer.alloc(0) })).value)).toBeNull();
  });
});
