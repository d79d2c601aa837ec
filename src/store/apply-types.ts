import type { Problem } from '../contract/index.ts';

// What applyBatch takes and gives (apply-batch.ts).

/** What one batch did. */
export interface ApplyResult {
  /** messages given */
  received: number;
  /** new distinct events written to the audit trail and folded into their signals */
  applied: number;
  /** events whose event_id was already recorded with the same content (or repeated in the batch) */
  duplicates: number;
  /** messages recorded as dead letters (contract violations, event_id reused for different content) */
  deadLetters: number;
  /** signals whose record changed */
  signalsChanged: number;
  /** the signals touched, for callers that read them back */
  signalIds: string[];
  /** what became of each message given, in the order given */
  outcomes: MessageOutcome[];
  /** the messages that became dead letters (their index in the batch, in order) and their problems, for a dead-letter topic */
  rejections: { at: number; problems: Problem[] }[];
}

/** What became of one message of a batch. */
export const MESSAGE_OUTCOMES = ['applied', 'duplicate', 'dead-letter'] as const;
export type MessageOutcome = (typeof MESSAGE_OUTCOMES)[number];

export interface ApplyOptions {
  /** the receipt time written to the audit trail and dead letters (default now) */
  receivedAt?: Date;
  /** attempts on a deadlock or serialization failure (default 8) */
  maxAttempts?: number;
  /** Kafka: where this batch ends per partition, recorded in the batch's transaction (a checkpoint never moves back) */
  checkpoints?: readonly ConsumerCheckpoint[];
  /**
   * PostgreSQL: which of ROLLUP_SLOTS copies of the day's rollup rows this batch adds to, so that batches
   * applied side by side (ingest lanes, the worker's partitions) do not wait on each other's row locks;
   * default the first checkpoint's partition, else 0. SQLite has one writer and one copy.
   */
  rollupSlot?: number;
  /**
   * Strict mode (the worker's --on-invalid stop, and the repository): a message that would become a
   * dead letter (a contract violation, an event_id owned elsewhere, data the database refuses) makes the
   * batch throw a CONTRACT_VIOLATION error instead, and nothing of the batch is written.
   */
  strict?: boolean;
  /**
   * `dead-letters retry`: a message that would become a dead letter is reported in the result's outcomes and
   * rejections but not written (it is the dead letter being retried, which stays as it was).
   */
  writeNoDeadLetters?: boolean;
}

/** The offset after the last message of a consumer group applied from one topic partition. */
export interface ConsumerCheckpoint {
  groupId: string;
  topic: string;
  partition: number;
  /** the next offset to read (last applied + 1), as Kafka gives offsets: a decimal string */
  nextOffset: string;
}
