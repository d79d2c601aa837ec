// The dead-letter forwarder (src/worker/dead-letter-forwarder.ts) without a broker: a fake send stands in
// for the producer, a fake sleep for the backoff. What the dead-letter topic receives for each kind of
// answer: everything in one batch, one by one when the batch is refused, a message too large for the topic
// without its value, a refusal for good logged and left, a broker away tried again with backoff, and a
// stopping worker not waiting for it.
import type { KafkaMessage, Message } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createDeadLetterForwarder, type RejectedKafkaMessage } from '../../src/worker/dead-letter-forwarder.ts';

const kafkaMessage = (offset: string, value: string, headers: Record<string, string> = {}): KafkaMessage =>
  ({ offset, key: Buffer.from(`k${offset}`), value: Buffer.from(value), headers, timestamp: '0', attributes: 0, size: 0 }) as unknown as KafkaMessage;
const rejected = (offset: string, value = '{"x":1}', headers: Record<string, string> = {}): RejectedKafkaMessage => ({
  message: kafkaMessage(offset, value, headers),
  problems: [{ path: '$.x', message: `bad ${offset}` }],
});

class TooLarge extends Error {
  type = 'MESSAGE_TOO_LARGE';
}
class RefusedForGood extends Error {
  retriable = false;
}

/** A forwarder over a fake topic: `answer` decides each send (undefined: taken); returns what was taken, the waits and the log lines. */
function harness(answer: (messages: Message[], call: number) => Error | undefined, halting = () => false) {
  const taken: Message[][] = [];
  const waits: number[] = [];
  const lines: { msg: string; source?: string }[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  let calls = 0;
  const forward = createDeadLetterForwarder({
    topic: 'dlq',
    compression: 0,
    send: async ({ topic, messages }) => {
      expect(topic).toBe('dlq');
      const error = answer(messages, calls++);
      if (error !== undefined) throw error;
      taken.push(messages);
    },
    log,
    halting,
    maxRetryDelayMs: 1_000,
    sleep: async (ms) => void waits.push(ms),
  });
  return { forward, taken, waits, lines, calls: () => calls };
}

describe('forwarding dead letters to the dead-letter topic', () => {
  it('sends them in one batch with their key, value and headers, the problems and where they came from', async () => {
    const h = harness(() => undefined);
    await h.forward([rejected('7', '{"a":1}', { trace: 't1' }), rejected('9')], 'signals.risk', 2);
    expect(h.taken).toHaveLength(1);
    const [first, second] = h.taken[0] as Message[];
    expect(first?.key?.toString()).toBe('k7');
    expect(first?.value?.toString()).toBe('{"a":1}');
    expect(first?.headers).toEqual({ trace: 't1', 'signal-ledger-error': '[{"path":"$.x","message":"bad 7"}]', 'signal-ledger-source': 'signals.risk/2@7' });
    expect(second?.headers?.['signal-ledger-source']).toBe('signals.risk/2@9');
  });

  it('leave out header values that are null (kafkajs cannot send one) and name their headers in signal-ledger-null-headers', async () => {
    const h = harness(() => undefined);
    const headers = { note: null, x: [Buffer.from('1'), null, 'z'], kept: 'yes' } as unknown as Record<string, string>;
    await h.forward([rejected('7', '{"a":1}', headers), rejected('8', '{"a":1}', { y: [null] } as unknown as Record<string, string>)], 'signals.risk', 2);
    const [first, second] = h.taken[0] as Message[];
    expect(first?.headers).toMatchObject({ x: [Buffer.from('1'), 'z'], kept: 'yes', 'signal-ledger-null-headers': '["note","x"]' });
    expect(first?.headers).not.toHaveProperty('note');
    expect(second?.headers).toMatchObject({ 'signal-ledger-null-headers': '["y"]' });
    expect(second?.headers).not.toHaveProperty('y');
  });

  it('sends nothing when there is nothing to send', async () => {
    const h = harness(() => undefined);
    await h.forward([], 'signals.risk', 0);
    expect(h.calls()).toBe(0);
  });

  it('a batch too large for the topic goes one by one, and a message too large alone goes without its value, with a header saying why', async () => {
    const big = 'x'.repeat(100);
    const h = harness((messages) => (messages.some((m) => (m.value?.length ?? 0) >= 100) ? new TooLarge('too large') : undefined));
    await h.forward([rejected('1'), rejected('2', big), rejected('3')], 'orders.filled', 0);
    expect(h.taken.map((batch) => batch.map((m) => m.headers?.['signal-ledger-source']))).toEqual([['orders.filled/0@1'], ['orders.filled/0@2'], ['orders.filled/0@3']]);
    const bare = h.taken[1]?.[0] as Message;
    expect(bare.value).toBeNull();
    expect(bare.key?.toString()).toBe('k2');
    expect(bare.headers?.['signal-ledger-value-omitted']).toBe('100 bytes, too large for dlq');
    expect(bare.headers?.['signal-ledger-error']).toBe('[{"path":"$.x","message":"bad 2"}]');
    expect(h.waits).toEqual([]);
  });

  it('a message refused for good is logged and left, without retrying; the others still go', async () => {
    const h = harness((messages) => (messages.some((m) => m.headers?.['signal-ledger-source'] === 't/0@2') ? new RefusedForGood('not authorized') : undefined));
    await h.forward([rejected('1'), rejected('2')], 't', 0);
    expect(h.taken.map((b) => b.map((m) => m.headers?.['signal-ledger-source']))).toEqual([['t/0@1']]);
    expect(h.lines).toEqual([expect.objectContaining({ source: 't/0@2', msg: 'dead letter not forwarded (refused by the dead-letter topic); it is in the database' })]);
    expect(h.waits).toEqual([]);
  });

  it('one refused for good even without its value is logged as such', async () => {
    const h = harness((messages) => (messages.length > 1 ? new TooLarge('x') : messages[0]?.value === null ? new RefusedForGood('no') : new TooLarge('x')));
    await h.forward([rejected('1'), rejected('2')], 't', 0);
    expect(h.taken).toEqual([]);
    expect(h.lines.map((l) => l.msg)).toEqual(['refused by the dead-letter topic even without its value', 'refused by the dead-letter topic even without its value'].map((why) => `dead letter not forwarded (${why}); it is in the database`));
  });

  it('a broker that is away is tried again, waiting 200 ms doubling up to the longest wait, until it takes them', async () => {
    const h = harness((_, call) => (call < 4 ? new Error('Connection error: connect ECONNREFUSED') : undefined));
    await h.forward([rejected('1'), rejected('2')], 't', 0);
    expect(h.waits).toEqual([200, 400, 800, 1_000]);
    expect(h.taken).toHaveLength(1);
    expect(h.taken[0]).toHaveLength(2);
    expect(h.lines.filter((l) => l.msg.startsWith('dead letters not forwarded yet'))).toHaveLength(4);
  });

  it('a stopping worker does not wait for a broker that is away: each dead letter is logged as not forwarded', async () => {
    let stopping = false;
    const h = harness((_, call) => {
      if (call === 1) stopping = true;
      return new Error('Connection error');
    }, () => stopping);
    await h.forward([rejected('1'), rejected('2')], 't', 3);
    expect(h.calls()).toBe(2);
    expect(h.lines.filter((l) => l.source !== undefined)).toEqual([
      expect.objectContaining({ source: 't/3@1', msg: 'dead letter not forwarded (the worker stopped first); it is in the database' }),
      expect.objectContaining({ source: 't/3@2', msg: 'dead letter not forwarded (the worker stopped first); it is in the database' }),
    ]);
  });
});

describe('deadLetterProducer: the worker’s own producer for the dead-letter topic', () => {
  it('makes a producer that may not create topics, connects and disconnects it, and forwards through its send', async () => {
    const { deadLetterProducer } = await import('../../src/worker/dead-letter-forwarder.ts');
    const calls: string[] = [];
    const sent: { topic: string; messages: Message[] }[] = [];
    const kafka = {
      producer: (config: { allowAutoTopicCreation: boolean }) => {
        calls.push(`producer allowAutoTopicCreation=${config.allowAutoTopicCreation}`);
        return {
          connect: async () => void calls.push('connect'),
          disconnect: async () => void calls.push('disconnect'),
          send: async (batch: { topic: string; messages: Message[] }) => void sent.push(batch),
        };
      },
    };
    const dlq = deadLetterProducer(kafka as never, { topic: 'ledger.dlq', compression: 0, log: pino({ level: 'silent' }), halting: () => false, maxRetryDelayMs: 10 });
    await dlq.connect();
    await dlq.forward([rejected('4')], 'signals.risk', 1);
    await dlq.disconnect();
    expect(calls).toEqual(['producer allowAutoTopicCreation=false', 'connect', 'disconnect']);
    expect(sent.map((b) => [b.topic, b.messages.length])).toEqual([['ledger.dlq', 1]]);
  });
});
