// The consumer's events as the worker sees them (src/worker/consumer-events.ts): health, a new assignment
// (buffers cleared, paused partitions resumed, checkpoints read again, the assignment told) and crashes, on a
// fake consumer.
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { watchConsumer } from '../../src/worker/consumer-events.ts';

const EVENTS = { GROUP_JOIN: 'consumer.group_join', CONNECT: 'consumer.connect', DISCONNECT: 'consumer.disconnect', CRASH: 'consumer.crash', START_BATCH_PROCESS: 'consumer.start_batch_process' };

function harness(refresh: () => Promise<void> = async () => {}) {
  const emitter = new EventEmitter();
  const resumed: unknown[] = [];
  const lines: string[] = [];
  const fatal: Error[] = [];
  const health = { kafka: false };
  let refreshes = 0;
  const assignments: Record<string, number[]>[] = [];
  const passed: unknown[] = [];
  const consumer = { events: EVENTS, on: (event: string, listener: (e: unknown) => void) => emitter.on(event, listener), resume: (topics: unknown) => void resumed.push(topics) };
  watchConsumer(consumer as never, {
    log: pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line).msg) }),
    health,
    clearBuffers: () => [{ topic: 'signals.risk', partition: 2 }],
    refreshFloors: () => {
      refreshes++;
      return refresh();
    },
    onAssignment: (assignment) => void assignments.push(assignment),
    onFatal: (error) => void fatal.push(error),
    onPassedBatch: (batch) => void passed.push(batch),
  });
  const emit = (event: string, payload: unknown) => emitter.emit(event, { payload });
  return { emit, resumed, lines, fatal, health, assignments, passed, refreshes: () => refreshes };
}

describe('watchConsumer', () => {
  it('a batch kafkajs processes with no messages (only a transaction marker or aborted messages) is told, with its last offset; one with messages, or with no record at or past the offset fetched, is not', () => {
    const h = harness();
    const batch = { topic: 'signals.risk', partition: 2, highWatermark: '9', lastOffset: '8', offsetLag: '0', offsetLagLow: '0', firstOffset: '8' };
    h.emit(EVENTS.START_BATCH_PROCESS, { ...batch, batchSize: 3 });
    h.emit(EVENTS.START_BATCH_PROCESS, { ...batch, batchSize: 0 });
    // records all below the offset fetched (a compressed batch fetched from its middle): its lastOffset is the offset asked for
    h.emit(EVENTS.START_BATCH_PROCESS, { ...batch, batchSize: 0, firstOffset: null });
    expect(h.passed).toEqual([{ ...batch, batchSize: 0 }]);
  });

  it('joining the group: Kafka is up, the assignment is told, the paused partitions are resumed (their buffers are cleared) and the checkpoints read again', () => {
    const h = harness();
    h.emit(EVENTS.GROUP_JOIN, { memberAssignment: { 'signals.risk': [2, 5] } });
    expect(h.health.kafka).toBe(true);
    expect(h.assignments).toEqual([{ 'signals.risk': [2, 5] }]);
    expect(h.resumed).toEqual([[{ topic: 'signals.risk', partitions: [2] }]]);
    expect(h.refreshes()).toBe(1);
    expect(h.lines).toEqual(['joined the consumer group; what was buffered is fetched again']);
  });

  it('a failed read of the checkpoints after a join is a warning, not a stop', async () => {
    const h = harness(async () => {
      throw new Error('database away');
    });
    h.emit(EVENTS.GROUP_JOIN, { memberAssignment: {} });
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.lines).toEqual(['joined the consumer group; what was buffered is fetched again', 'could not read the checkpoints; the event_id dedupe still keeps re-read messages from counting twice']);
    expect(h.fatal).toEqual([]);
  });

  it('connect and disconnect set Kafka’s health', () => {
    const h = harness();
    h.emit(EVENTS.CONNECT, {});
    expect(h.health.kafka).toBe(true);
    h.emit(EVENTS.DISCONNECT, {});
    expect(h.health.kafka).toBe(false);
  });

  it('a crash kafkajs restarts from is a warning; one it does not is fatal; both mark Kafka down', () => {
    const h = harness();
    h.emit(EVENTS.CONNECT, {});
    h.emit(EVENTS.CRASH, { restart: true, error: new Error('coordinator moved') });
    expect(h.health.kafka).toBe(false);
    expect(h.lines).toEqual(['consumer restarting after an error']);
    expect(h.fatal).toEqual([]);
    const error = new Error('not authorized');
    h.emit(EVENTS.CRASH, { restart: false, error });
    expect(h.fatal).toEqual([error]);
  });
});
