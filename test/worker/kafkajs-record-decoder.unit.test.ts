// The record decoder that takes the place of kafkajs's (src/worker/kafkajs-record-decoder.ts) gives the records
// kafkajs 2.2.4's own gives, for any attributes, offset and time deltas, key, value and headers (null values and
// repeated names among them), and takes time linear in the header count where kafkajs's takes quadratic. Header
// names that Object.prototype has are the exception: kafkajs's reads the inherited member as a first value.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKafka } from '../../src/worker/kafka-client.ts';
import { kafkajsRecordDecoder, linearRecordDecoder } from '../../src/worker/kafkajs-record-decoder.ts';

const require = createRequire(import.meta.url);
type Encoder = { writeInt8(v: number): Encoder; writeVarLong(v: number): Encoder; writeVarInt(v: number): Encoder; writeVarIntBytes(v: Buffer | null): Encoder; writeVarIntArray(a: unknown[]): Encoder; buffer: Buffer };
const Encoder = require('kafkajs/src/protocol/encoder') as new () => Encoder;
const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => unknown;
const Header = require('kafkajs/src/protocol/recordBatch/header/v0') as (h: { key: string | null; value: Buffer | null }) => Encoder;

interface WireRecord {
  attributes: number;
  timestampDelta: number;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string | null; value: Buffer | null }[];
}

/** A record's bytes as a producer writes them (kafkajs's own encoder cannot write a null header value, so its primitives). */
const recordBytes = (r: WireRecord): Buffer =>
  new Encoder().writeInt8(r.attributes).writeVarLong(r.timestampDelta).writeVarInt(r.offsetDelta).writeVarIntBytes(r.key).writeVarIntBytes(r.value).writeVarIntArray(r.headers.map(Header)).buffer;

const decode = (decoder: typeof linearRecordDecoder, bytes: Buffer, context: Record<string, unknown>) => decoder(new Decoder(bytes) as Parameters<typeof linearRecordDecoder>[0], context);

const bytes = fc.option(fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a)), { nil: null });
const record = fc.record({
  attributes: fc.integer({ min: -128, max: 127 }),
  timestampDelta: fc.integer({ min: -1e6, max: 1e6 }),
  offsetDelta: fc.nat({ max: 1e6 }),
  key: bytes,
  value: bytes,
  // a few names, so that they repeat; any text, but no name of Object.prototype's (see below)
  headers: fc.array(
    // a null name is length -1 on the wire, which kafkajs reads as the property "null"
    fc.record({ key: fc.oneof(fc.constantFrom('a', 'b', 'traceparent', '', 'null', null), fc.string()).filter((k) => k === null || !(k in Object.prototype)), value: bytes }),
    { maxLength: 12 },
  ),
});
const context = fc.record({
  firstOffset: fc.bigInt({ min: 0n, max: 2n ** 62n }).map(String),
  firstTimestamp: fc.bigInt({ min: -1n, max: 2n ** 45n }).map(String),
  magicByte: fc.constant(2),
  isControlBatch: fc.boolean(),
  timestampType: fc.constantFrom(0, 1),
  maxTimestamp: fc.bigInt({ min: 0n, max: 2n ** 45n }).map(String),
});

describe("the record decoder in kafkajs's place", () => {
  it("gives the record kafkajs's own decoder gives", () => {
    fc.assert(
      fc.property(record, context, (r, c) => {
        const wire = recordBytes(r);
        expect(decode(linearRecordDecoder, wire, c)).toStrictEqual(decode(kafkajsRecordDecoder, wire, c));
      }),
      { numRuns: 500 },
    );
  });

  it("keeps a header named after a member of Object.prototype as it came (kafkajs's own takes the inherited member for a first value)", () => {
    const names = ['constructor', 'toString', '__proto__', 'hasOwnProperty'];
    const wire = recordBytes({ attributes: 0, timestampDelta: 0, offsetDelta: 0, key: null, value: null, headers: names.map((key) => ({ key, value: Buffer.from(key) })) });
    const { headers } = decode(linearRecordDecoder, wire, { firstOffset: '0', firstTimestamp: '0' }) as { headers: Record<string, Buffer> };
    expect(Object.keys(headers)).toEqual(names);
    for (const name of names) expect(String(Object.getOwnPropertyDescriptor(headers, name)?.value)).toBe(name);
    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
    const theirs = decode(kafkajsRecordDecoder, wire, { firstOffset: '0', firstTimestamp: '0' }) as { headers: object };
    expect(Object.getOwnPropertyDescriptor(theirs.headers, 'constructor')?.value).toEqual([Object, Buffer.from('constructor')]);
  });

  it('decodes 50,000 headers, distinct or of one name, every value in order (kafkajs took 135 s for 20,000 distinct)', () => {
    for (const name of [(i: number) => `h${i}`, () => 'h']) {
      const headers = Array.from({ length: 50_000 }, (_, i) => ({ key: name(i), value: Buffer.from(String(i)) }));
      const wire = recordBytes({ attributes: 0, timestampDelta: 0, offsetDelta: 0, key: null, value: null, headers });
      // no clock here: a quadratic decoder would need about 15 minutes for the first, far past the test's timeout
      const decoded = decode(linearRecordDecoder, wire, { firstOffset: '0', firstTimestamp: '0' }) as { headers: Record<string, Buffer | Buffer[]> };
      const values = Object.values(decoded.headers).flat();
      expect(values.map(String)).toEqual(headers.map((h) => String(h.value)));
    }
  });

  it("is the one kafkajs's record batch decoder uses once a client is created", async () => {
    createKafka({ clientId: 'test', brokers: ['127.0.0.1:1'] } as Parameters<typeof createKafka>[0], (require('pino') as typeof import('pino')).pino({ level: 'silent' }));
    // a record batch as a broker sends it, decoded by kafkajs's batch decoder (loaded only now, as at a first fetch)
    const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: { key: Buffer; value: Buffer; headers: Record<string, string> }) => Encoder;
    const { RecordBatch: encodeBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (b: { records: Encoder[] }) => Promise<Encoder> };
    const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (d: unknown) => Promise<{ records: { headers: object }[] }>;
    const bytes = (await encodeBatch({ records: [encodeRecord({ key: Buffer.from('k'), value: Buffer.from('v'), headers: { constructor: 'c' } })] })).buffer;
    const [record] = (await decodeBatch(new Decoder(bytes))).records;
    expect(Object.getOwnPropertyDescriptor(record?.headers, 'constructor')?.value).toEqual(Buffer.from('c'));
  });
});
