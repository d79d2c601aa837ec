import { defineEntity, p } from '@mikro-orm/core';
import { DecimalString } from '../column-types.ts';
import { COUNT_MEASURES, SUM_MEASURES } from '../rollup-measures.ts';

/**
 * Per UTC day of effective_at, strategy and symbol ('' while a signal's details have not arrived): the
 * counts and exact sums of every analytics measure (src/store/rollup-measures.ts), kept by the apply path; queries
 * add up the copies (slots) of a key.
 */
export const SignalRollupEntity = defineEntity({
  name: 'SignalRollup',
  tableName: 'signal_rollups',
  properties: {
    day: p.string().length(10).primary(),
    strategyName: p.string().length(128).primary(),
    symbol: p.string().length(64).primary(),
    /** PostgreSQL: which copy (ApplyOptions.rollupSlot), so concurrent batches do not wait on each other */
    slot: p.smallint().primary(),
    ...Object.fromEntries(COUNT_MEASURES.map((m) => [m.name, p.bigint('number').fieldName(m.name)])),
    ...Object.fromEntries(SUM_MEASURES.map((m) => [m.name, p.type(DecimalString).fieldName(m.name)])),
  },
});

/** Dead letters per UTC day of receipt and topic ('api' for the repository's calls), and how many of them were resolved. */
export const DeadLetterRollupEntity = defineEntity({
  name: 'DeadLetterRollup',
  tableName: 'dead_letter_rollups',
  properties: {
    day: p.string().length(10).primary(),
    topic: p.string().length(255).primary(),
    n: p.bigint('number'),
    /** of those, resolved by `dead-letters retry` */
    resolved: p.bigint('number'),
  },
});
