import { LIMITS, type ParsedMessage } from '../contract/index.ts';
import { classifyFailure, FailureClass } from '../errors.ts';
import { applyBatch, type ApplyOptions, type ApplyResult, type Store } from '../store/index.ts';

/** How long file ingest waits, retrying with backoff, for a database that is away before it gives up. */
const INGEST_PATIENCE_MS = 120_000;

/** applyBatch, waiting with backoff (up to INGEST_PATIENCE_MS) while the database is away: such a failure is never the messages'. */
async function applyWaiting(store: Store, batch: readonly ParsedMessage[], options: ApplyOptions): Promise<ApplyResult> {
  const giveUpAt = Date.now() + INGEST_PATIENCE_MS;
  for (let delay = 200; ; delay = Math.min(delay * 2, 10_000)) {
    try {
      return await applyBatch(store, batch, options);
    } catch (error) {
      if (classifyFailure(error) !== FailureClass.Retry || Date.now() + delay > giveUpAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/**
 * Feeds messages to applyBatch in batches, on several connections where the database allows it. One call at a time:
 * each submit and drain is awaited before the next (a message whose lane is waiting for its previous batch is in no
 * lane's event ids until it is queued, so a second call meanwhile could send its id to another lane).
 */
export interface BatchApplier {
  /**
   * Hands messages over; resolves once they are queued. A lane whose batch is full starts applying
   * it, and waits first while that lane's previous batch is still being applied (bounded memory).
   */
  submit(messages: readonly ParsedMessage[]): Promise<void>;
  /** applies what is still queued and resolves when every message is applied; rejects with the first failure */
  drain(): Promise<void>;
}

export interface BatchApplierOptions {
  /** messages per transaction (default LIMITS.defaultIngestBatch) */
  batchSize?: number;
  /** text per transaction, counted as MAX_BATCH_TEXT counts it (default: MAX_BATCH_TEXT shared by the lanes) */
  maxBatchText?: number;
  /** lanes applying at once on PostgreSQL (default 2); SQLite has one writer and always one lane */
  concurrency?: number;
  onApplied?: (r: ApplyResult) => void;
}

/**
 * The most text the batches of all lanes hold together, each lane's batch its share (its messages' values, or a
 * dead letter's raw text, counted in UTF-16 code units: up to twice as many bytes of heap): a batch is cut before a
 * message that would take it past its share, so it holds at most its share, or one message larger than that. A
 * file of long lines is then applied in batches smaller than `batchSize`. Each message holds its text more than once
 * on its way to the database (parsed, and in the statements' rows and parameters), and each lane a batch it fills
 * beside the one it applies, so 1,000 lines of 1 MB would need gigabytes at once; the ingest thread has 96 MB. (The
 * worker bounds its slices by MAX_SLICE_BYTES, in bytes of keys, values and headers.)
 */
export const MAX_BATCH_TEXT = 4 * 1_048_576;

const textOf = (m: ParsedMessage): number => (m.ok ? m.payload.length : (m.raw?.length ?? 0));

/** The lane of a message: by its signal, so two lanes never write the same signal. */
function laneOf(message: ParsedMessage, lanes: number): number {
  if (lanes === 1) return 0;
  const id = message.ok ? message.event.signalId : (message.signalId ?? '');
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (Math.imul(h, 31) + id.charCodeAt(i)) | 0;
  return (h >>> 0) % lanes;
}

/**
 * Messages are split by signal into `concurrency` lanes; each lane applies its batches one after the
 * other, each in its own transaction. Lanes do not share a signal, so on PostgreSQL their transactions
 * run side by side on separate connections without waiting on each other's row locks (two batches
 * cut from one stream share the signals that span them, and would take turns). SQLite has one
 * writer: one lane there. Within a lane, messages keep their order.
 *
 * An event id is the ledger's, not a signal's: the first message to carry it keeps it, and a later one
 * with other content is a dead letter. So a message whose event id is also carried by a message still
 * queued or being applied in another lane goes to that lane, after it: which message keeps the id is
 * then the input's order, never the race of two lanes' transactions. (Its signal may then be written by
 * two lanes, which take turns on its row lock.)
 */
export function createBatchApplier(store: Store, options: BatchApplierOptions = {}): BatchApplier {
  const batchSize = options.batchSize ?? LIMITS.defaultIngestBatch;
  const laneCount = store.dialect === 'sqlite' ? 1 : Math.max(1, options.concurrency ?? 2);
  const maxText = options.maxBatchText ?? Math.floor(MAX_BATCH_TEXT / laneCount);
  const lanes = Array.from({ length: laneCount }, (_, slot) => ({
    slot,
    queued: [] as ParsedMessage[],
    /** the text of the queued messages (textOf) */
    text: 0,
    applying: Promise.resolve(),
    /** the event ids of the batch being filled and of the one being applied, each dropped whole with its batch (kept only with 2 lanes or more) */
    queuedIds: new Set<string>(),
    applyingIds: new Set<string>(),
  }));
  const eventIdOf = (m: ParsedMessage) => (m.ok ? m.event.eventId : null);
  /** the lane whose queued or applying batch carries this event id, if any */
  const laneWithId = (id: string) => {
    for (const lane of lanes) if (lane.queuedIds.has(id) || lane.applyingIds.has(id)) return lane;
    return undefined;
  };
  let failure: { error: unknown } | null = null;
  const check = () => {
    if (failure !== null) throw failure.error;
  };
  const start = async (lane: (typeof lanes)[number]) => {
    await lane.applying;
    check();
    const batch = lane.queued;
    const ids = lane.queuedIds;
    lane.queued = [];
    lane.text = 0;
    lane.queuedIds = new Set();
    lane.applyingIds = ids;
    lane.applying = applyWaiting(store, batch, { rollupSlot: lane.slot })
      .then(
        (r) => options.onApplied?.(r),
        (error: unknown) => {
          failure ??= { error };
        },
      )
      .finally(() => {
        if (lane.applyingIds === ids) lane.applyingIds = new Set();
      });
  };
  return {
    async submit(messages) {
      check();
      for (const m of messages) {
        const id = lanes.length > 1 ? eventIdOf(m) : null;
        const lane = (id === null ? undefined : laneWithId(id)) ?? (lanes[laneOf(m, lanes.length)] as (typeof lanes)[number]);
        // a message that would take the batch past its text goes into the next one
        const text = textOf(m);
        if (lane.queued.length > 0 && lane.text + text > maxText) await start(lane);
        if (id !== null) lane.queuedIds.add(id);
        lane.queued.push(m);
        lane.text += text;
        if (lane.queued.length >= batchSize) await start(lane);
      }
    },
    async drain() {
      for (const lane of lanes) if (lane.queued.length > 0) await start(lane);
      await Promise.all(lanes.map((lane) => lane.applying));
      check();
    },
  };
}
