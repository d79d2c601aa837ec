import { defineEntity, p } from '@mikro-orm/core';
import { JsonColumn, TimestampString } from '../column-types.ts';

/** A message that broke the contract (or reused an event_id for different content), with its problems. */
export const DeadLetterEntity = defineEntity({
  name: 'DeadLetter',
  tableName: 'dead_letters',
  properties: {
    id: p.bigint().primary().autoincrement(),
    /** the same bad message delivered again is recorded once: topic/partition@offset for Kafka, else a hash of topic and value */
    dedupeKey: p.string().length(200).unique('dead_letters_dedupe_key_key'),
    receivedAt: p.type(TimestampString).index('dead_letters_received_at_idx'),
    source: p.text(),
    topic: p.string().length(255).nullable(),
    partition: p.integer().nullable(),
    offset: p.bigint().nullable(),
    messageKey: p.text().nullable(),
    rawValue: p.text().nullable(),
    problems: p.type(JsonColumn),
    eventId: p.string().length(128).nullable(),
    signalId: p.string().length(128).nullable(),
    /** when `dead-letters retry` applied it (the contract or the settings had changed); a dead letter is never deleted */
    resolvedAt: p.type(TimestampString).nullable(),
    /** the event it became */
    resolvedEventId: p.string().length(128).nullable(),
  },
});
