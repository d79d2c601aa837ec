import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import kafkajs, { type CompressionTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPRESSIONS } from '../../src/config.ts';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { type CompressionCodec, compressRecords, createKafka, decompressRecords, MAX_DECOMPRESSED_BATCH_BYTES, registerCompressionCodecs, resolveCompressionType } from '../../src/worker/index.ts';
import { DEBIAN_PYTHON, ensureKafkaClients, KAFKA_COMPRESS_JAVA, runKafkaJava, runTool } from '../helpers/kafka-clients.ts';
import { quietLogger } from '../helpers/worker.ts';

const CODECS: readonly CompressionCodec[] = ['gzip', 'snappy', 'lz4', 'zstd'];
const codecModule = path.join(import.meta.dirname, '..', '..', 'src', 'worker', 'compression-codecs.ts');
const MiB = 1024 * 1024;

/** Record-batch-like bytes: event JSON (compressible) with stretches of random bytes (not). */
function sampleBytes(signals: number, seed: number): Buffer {
  const text = [...generateEvents({ signals, seed })].map((l) => `${l.key ?? ''}\t${JSON.stringify(l.value)}\n`).join('');
  return Buffer.concat([Buffer.from(text), randomBytes(100_000), Buffer.from(text.slice(0, 50_000))]);
}

let work: string;
let sample: Buffer;
let sampleFile: string;

beforeAll(() => {
  ensureKafkaClients();
  work = mkdtempSync(path.join(tmpdir(), 'codecs-'));
  sample = sampleBytes(1500, 3);
  sampleFile = path.join(work, 'sample.bin');
  writeFileSync(sampleFile, sample);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A tool's output for the sample file, e.g. `lz4 -BD -c sample.bin`. */
const toolOutput = (command: string, args: readonly string[]) => runTool(command, [...args, sampleFile]);

describe('compression codecs', () => {
  it.each(CODECS)('%s: what compressRecords writes, decompressRecords gives back byte for byte (empty, one byte, events, random, 5 MiB over many blocks)', async (codec) => {
    const inputs = [Buffer.alloc(0), Buffer.from([7]), sampleBytes(40, 1), randomBytes(300_000), Buffer.concat(Array.from({ length: 4 }, () => sampleBytes(2000, 2)))];
    expect(inputs.at(-1)?.length).toBeGreaterThan(5 * MiB);
    for (const input of inputs) {
      const compressed = await compressRecords(codec, input);
      expect((await decompressRecords(codec, compressed)).equals(input)).toBe(true);
    }
  });

  it('lz4 frames from the lz4 tool give the original bytes: independent and linked blocks of 64 KiB to 4 MiB, block and content checksums, content size, high compression, frames one after another', async () => {
    const variants = [['-B4'], ['-B4', '-BD'], ['-B5', '-BD', '-BX', '--content-size'], ['-B6', '--no-frame-crc'], ['-B7', '-BX', '--content-size'], ['-12', '-B4', '-BD']];
    for (const flags of variants) {
      const frame = toolOutput('lz4', ['-q', '-c', ...flags]);
      expect((await decompressRecords('lz4', frame)).equals(sample), `lz4 ${flags.join(' ')}`).toBe(true);
    }
    // a linked frame really links: its FLG byte has the block-independence bit clear
    expect((toolOutput('lz4', ['-q', '-c', '-B4', '-BD'])[4] as number) & 0x20).toBe(0);
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
    const frames = Buffer.concat([toolOutput('lz4', ['-q', '-c', '-B4']), skippable, toolOutput('lz4', ['-q', '-c', '-B4', '-BD'])]);
    expect((await decompressRecords('lz4', frames)).equals(Buffer.concat([sample, sample]))).toBe(true);
  });

  it('zstd frames from the zstd tool and gzip streams from gzip give the original bytes', async () => {
    for (const flags of [[], ['-19', '--no-check'], ['-1', '--no-content-size']]) {
      expect((await decompressRecords('zstd', toolOutput('zstd', ['-q', '-c', ...flags]))).equals(sample), `zstd ${flags.join(' ')}`).toBe(true);
    }
    for (const flags of [['-1'], ['-9']]) {
      expect((await decompressRecords('gzip', toolOutput('gzip', ['-c', ...flags]))).equals(sample), `gzip ${flags.join(' ')}`).toBe(true);
    }
  });

  it('raw snappy from python-snappy (Google libsnappy, unframed as librdkafka writes it) gives the original bytes', async () => {
    const raw = runTool(DEBIAN_PYTHON, ['-c', 'import snappy, sys; sys.stdout.buffer.write(snappy.compress(open(sys.argv[1], "rb").read()))', sampleFile]);
    expect((await decompressRecords('snappy', raw)).equals(sample)).toBe(true);
  });

  it("Apache Kafka's Java client's own codecs give the original bytes: gzip, snappy in xerial framing, Kafka's LZ4 frame writer, zstd-jni", async () => {
    const prefix = path.join(work, 'java');
    runKafkaJava([KAFKA_COMPRESS_JAVA, sampleFile, prefix]);
    const written = Object.fromEntries(CODECS.map((codec) => [codec, readFileSync(`${prefix}.${codec}`)]));
    expect(written.snappy?.subarray(0, 8).toString('latin1')).toBe('\x82SNAPPY\x00');
    for (const codec of CODECS) expect((await decompressRecords(codec, written[codec] as Buffer)).equals(sample), codec).toBe(true);
  });

  it('what compressRecords writes, the lz4, zstd and gzip tools and python-snappy read back to the original bytes', async () => {
    const readBack = {
      gzip: (file: string) => runTool('gzip', ['-d', '-c', file]),
      lz4: (file: string) => runTool('lz4', ['-d', '-c', file]),
      zstd: (file: string) => runTool('zstd', ['-d', '-q', '-c', file]),
      snappy: (file: string) => runTool(DEBIAN_PYTHON, ['-c', 'import snappy, sys; sys.stdout.buffer.write(snappy.decompress(open(sys.argv[1], "rb").read()))', file]),
    } satisfies Record<CompressionCodec, (file: string) => Buffer>;
    for (const codec of CODECS) {
      const file = path.join(work, `ours.${codec}`);
      writeFileSync(file, await compressRecords(codec, sample));
      expect(readBack[codec](file).equals(sample), codec).toBe(true);
    }
  });

  /** Streams `bytes` zero bytes through a zlib compressor into a file, never holding them in memory. */
  async function writeZeros(compressor: zlib.Gzip | zlib.ZstdCompress, bytes: number, file: string): Promise<void> {
    const chunk = Buffer.alloc(MiB);
    await pipeline(
      Readable.from((function* () {
        for (let n = 0; n < bytes; n += MiB) yield chunk;
      })()),
      compressor,
      createWriteStream(file),
    );
  }

  const bombs: Record<CompressionCodec, { size: string; write(file: string): Promise<void> }> = {
    gzip: { size: '1 GiB', write: (file) => writeZeros(zlib.createGzip({ level: 1 }), 1024 * MiB, file) },
    zstd: { size: '1 GiB', write: (file) => writeZeros(zlib.createZstdCompress(), 1024 * MiB, file) },
    lz4: { size: '1 GiB', write: async (file) => void runTool('bash', ['-c', `head -c ${1024 * MiB} /dev/zero | lz4 -q -B7 -c > '${file}'`]) },
    snappy: {
      size: '160 MiB',
      // xerial chunks of 4 MiB of zeros each, as a Java producer would frame them
      write: async (file) => {
        const chunk = await compressRecords('snappy', Buffer.alloc(4 * MiB));
        const length = Buffer.alloc(4);
        length.writeUInt32BE(chunk.length);
        writeFileSync(file, Buffer.concat([Buffer.from('\x82SNAPPY\x00\x00\x00\x00\x01\x00\x00\x00\x01', 'latin1'), ...Array.from({ length: 40 }, () => [length, chunk]).flat()]));
      },
    },
  };

  it.each(CODECS)('a %s batch that would decompress past the limit is refused with an error naming the codec and the 64 MiB limit, in bounded memory', async (codec) => {
    const bomb = bombs[codec];
    const file = path.join(work, `bomb.${codec}`);
    await bomb.write(file);
    // in a process of its own, so that its peak resident memory is the decompression's
    const measure = `
      const [modulePath, codec, file] = process.argv.slice(1);
      const { decompressRecords } = await import(modulePath);
      const bomb = (await import('node:fs')).readFileSync(file);
      const before = process.resourceUsage().maxRSS;
      const error = await decompressRecords(codec, bomb).then(() => null, (e) => e);
      console.log(JSON.stringify({ message: error?.message ?? null, code: error?.code ?? null, retriable: error?.retriable, grownKiB: process.resourceUsage().maxRSS - before }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', measure, codecModule, codec, file], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    const result = JSON.parse(r.stdout) as { message: string | null; code: string | null; retriable: boolean; grownKiB: number };
    expect(MAX_DECOMPRESSED_BATCH_BYTES).toBe(64 * MiB);
    expect(result.message).toBe(`${codec} record batch decompresses to more than 64 MiB (MAX_DECOMPRESSED_BATCH_BYTES): refused as a possible decompression bomb`);
    expect(result.code).toBe('LIMIT_EXCEEDED');
    expect(result.retriable).toBe(false);
    // the whole of a ${bomb.size} bomb would be well over this
    expect(result.grownKiB * 1024).toBeLessThan(1.5 * MAX_DECOMPRESSED_BATCH_BYTES);
  });

  it('a batch claiming more than the limit up front (lz4 content size, snappy length) is refused before anything is decoded', async () => {
    const lz4 = toolOutput('lz4', ['-q', '-c', '--content-size']);
    lz4.writeBigUInt64LE(BigInt(MAX_DECOMPRESSED_BATCH_BYTES + 1), 6);
    await expect(decompressRecords('lz4', lz4)).rejects.toThrow('lz4 record batch decompresses to more than 64 MiB');
    const snappy = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x04, 0x00]); // 1 GiB of nothing
    await expect(decompressRecords('snappy', snappy)).rejects.toThrow('snappy record batch decompresses to more than 64 MiB');
  });

  it.each(CODECS)('a %s batch cut short or not in the format is an INPUT_INVALID error naming the codec, not a crash or wrong bytes', async (codec) => {
    const compressed = await compressRecords(codec, sample);
    for (const broken of [compressed.subarray(0, compressed.length >> 1), Buffer.from('not compressed at all, not at all')]) {
      const error = await decompressRecords(codec, broken).then(() => null, (e: unknown) => e as Error & { code: string; retriable: boolean });
      expect(error?.message).toMatch(new RegExp(`^${codec} record batch cannot be decompressed: `));
      expect(error?.code).toBe('INPUT_INVALID');
      expect(error?.retriable).toBe(false);
    }
  });

  it("createKafka registers, once per thread, the codecs kafkajs looks up by a batch's attributes; resolveCompressionType gives Kafka's codec ids", async () => {
    createKafka({ brokers: ['127.0.0.1:1'], clientId: 'codecs' }, quietLogger());
    const factories = CODECS.map((codec) => kafkajs.CompressionCodecs[resolveCompressionType(codec) as Exclude<CompressionTypes, CompressionTypes.None>]);
    registerCompressionCodecs();
    createKafka({ brokers: ['127.0.0.1:1'], clientId: 'codecs' }, quietLogger());
    expect(CODECS.map((codec) => kafkajs.CompressionCodecs[resolveCompressionType(codec) as Exclude<CompressionTypes, CompressionTypes.None>])).toEqual(factories);
    for (const [i, codec] of CODECS.entries()) {
      const kafkajsCodec = (factories[i] as () => { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> })();
      const compressed = await kafkajsCodec.compress({ buffer: sample });
      expect((await decompressRecords(codec, compressed)).equals(sample)).toBe(true);
      expect((await kafkajsCodec.decompress(compressed)).equals(sample)).toBe(true);
    }
    // the attribute bits of the Kafka protocol's record batch
    expect(Object.fromEntries(COMPRESSIONS.map((c) => [c, resolveCompressionType(c)]))).toEqual({ none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 });
  });
});
