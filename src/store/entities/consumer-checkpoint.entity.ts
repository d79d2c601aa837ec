import { defineEntity, p } from '@mikro-orm/core';
import { TimestampString } from '../column-types.ts';

/**
 * How far the store is, per consumer group, topic and partition: the offset after the last message
 * applied. Written in the same transaction as the batch it follows, so it is never ahead of the data
 * (Kafka Connect's exactly-once sinks keep the same record).
 */
export const ConsumerCheckpointEntity = defineEntity({
  name: 'ConsumerCheckpoint',
  tableName: 'consumer_checkpoints',
  properties: {
    groupId: p.string().length(255).primary(),
    topic: p.string().length(255).primary(),
    partition: p.integer().primary(),
    /** the next offset to read: last applied + 1 */
    nextOffset: p.bigint(),
    updatedAt: p.type(TimestampString),
  },
});
