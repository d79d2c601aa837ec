import { defineEntity, p } from '@mikro-orm/core';
import { TimestampString } from '../column-types.ts';

/** The append-only audit trail: one row per distinct event_id, never updated or deleted. */
export const SignalEventEntity = defineEntity({
  name: 'SignalEvent',
  tableName: 'signal_events',
  properties: {
    id: p.bigint().primary().autoincrement(),
    eventId: p.string().length(128).unique('signal_events_event_id_key'),
    signalId: p.string().length(128).index('signal_events_signal_id_idx'),
    kind: p.string().length(16),
    occurredAt: p.type(TimestampString),
    receivedAt: p.type(TimestampString),
    /** topic/partition@offset, file:line, or api */
    source: p.text(),
    topic: p.string().length(255).nullable(),
    partition: p.integer().nullable(),
    offset: p.bigint().nullable(),
    messageKey: p.text().nullable(),
    /** the message value exactly as received */
    payload: p.text(),
    contentHash: p.string().length(64),
    statusBefore: p.string().length(32).nullable(),
    statusAfter: p.string().length(32),
    anomaly: p.text().nullable(),
  },
});
