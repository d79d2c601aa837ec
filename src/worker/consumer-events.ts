import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';
import { describeError } from '../errors.ts';

export interface ConsumerWatch {
  log: Logger;
  /** the worker's /healthz: Kafka is up while the consumer is connected and in its group */
  health: { kafka: boolean };
  /** a new assignment: what is buffered will be fetched again; returns the partitions it had paused */
  clearBuffers(): { topic: string; partition: number }[];
  /** reads the checkpoints again (a new assignment may bring partitions another member applied further than it committed) */
  refreshFloors(): Promise<void>;
  /** the partitions of each topic now assigned to this member (its lag is sampled for them) */
  onAssignment(assignment: Record<string, number[]>): void;
  /** a crash kafkajs does not restart from */
  onFatal(error: Error): void;
  /**
   * A fetched batch of no messages, only records kafkajs leaves out (a transaction's commit or abort marker, the
   * messages of an aborted transaction): kafkajs does not hand it to eachBatch, but the partition is passed up to it.
   */
  onPassedBatch(batch: { topic: string; partition: number; highWatermark: string; lastOffset: string }): void;
}

/** Wires the consumer's events to the worker: health, a new assignment, and crashes. */
export function watchConsumer(consumer: Pick<Consumer, 'on' | 'events' | 'resume'>, watch: ConsumerWatch): void {
  const { events } = consumer;
  consumer.on(events.GROUP_JOIN, ({ payload }) => {
    watch.health.kafka = true;
    watch.onAssignment(payload.memberAssignment);
    // one line a join, at info: a rebalance in the log explains the messages read again after it
    const partitions = Object.values(payload.memberAssignment).reduce((n, ps) => n + ps.length, 0);
    watch.log.info({ memberId: payload.memberId, partitions }, 'joined the consumer group; what was buffered is fetched again');
    // kafkajs fetches a new assignment from the committed offsets: what is buffered will come again
    const paused = watch.clearBuffers();
    if (paused.length > 0) consumer.resume(paused.map(({ topic, partition }) => ({ topic, partitions: [partition] })));
    void watch
      .refreshFloors()
      .catch((error: unknown) =>
        watch.log.warn({ error: describeError(error), partitions: payload.memberAssignment }, 'could not read the checkpoints; the event_id dedupe still keeps re-read messages from counting twice'),
      );
  });
  consumer.on(events.START_BATCH_PROCESS, ({ payload }) => {
    // every batch kafkajs processes; one of no messages is one whose records were all left out (kafkajs 2.2.4,
    // runner.js), unless none of them was at or past the offset fetched (firstOffset null: its lastOffset is then
    // only the offset asked for, which says nothing about what lies there)
    if (payload.batchSize === 0 && payload.firstOffset !== null) watch.onPassedBatch(payload);
  });
  consumer.on(events.CONNECT, () => (watch.health.kafka = true));
  consumer.on(events.DISCONNECT, () => (watch.health.kafka = false));
  consumer.on(events.CRASH, ({ payload }) => {
    watch.health.kafka = false;
    if (payload.restart) {
      watch.log.warn({ error: describeError(payload.error) }, 'consumer restarting after an error');
      return;
    }
    watch.onFatal(payload.error);
  });
}
