// Fills stores for npm run bench:analytics fast: each signal's events are parsed as ingest parses them,
// folded in memory and written as the one row the apply path would write (test/analytics proves the rows
// equal), many rows per statement, with the apply path's rollup update; bad lines go through applyBatch into dead_letters, one per line. The audit trail is
// not written: analytics never reads it.
import { type AcceptedMessage, eventsDigest, parseMessage, timestampFromDate } from '../src/contract/index.ts';
import { deriveFacts, foldEvents } from '../src/fold/index.ts';
import type { EventLine } from '../src/simulate/generate-events.ts';
import { applyBatch, type BulkInsert, insertRows, SIGNAL_WRITE_COLUMNS, contributionsOfRows, shiftRollups, type Store, toSignalRow, withWriteTransaction } from '../src/store/index.ts';

const SIGNALS: BulkInsert = { table: 'signals', columns: SIGNAL_WRITE_COLUMNS };

/** Where a loaded signal goes: every store whose limit it is under. */
export interface LoadTarget {
  store: Store;
  /** the first `limit` signals of the stream */
  limit: number;
}

async function writeRows(store: Store, rows: readonly Record<string, unknown>[]): Promise<void> {
  await withWriteTransaction(store, async (writer) => {
    await insertRows(writer, SIGNALS, rows);
    await shiftRollups(writer, contributionsOfRows(rows), new Map());
  });
}

/**
 * Loads a stream of event lines in which each signal's lines are adjacent (generateEvents without
 * out-of-order lines); `onProgress` gets the number of signals loaded.
 */
export async function loadSignals(lines: Iterable<EventLine>, targets: readonly LoadTarget[], onProgress: (signals: number) => void = () => {}, batchSize = 5_000): Promise<number> {
  const pending = targets.map(() => [] as Record<string, unknown>[]);
  const bad = targets.map(() => [] as ReturnType<typeof parseMessage>[]);
  let signals = 0;
  let group: AcceptedMessage[] = [];
  let lineNo = 0;
  let lastTime = new Date(0);

  const flush = async (force: boolean) => {
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i] as LoadTarget;
      const rows = pending[i] as Record<string, unknown>[];
      if (rows.length > 0 && (force || rows.length >= batchSize)) {
        await writeRows(t.store, rows);
        rows.length = 0;
      }
      const dead = bad[i] as ReturnType<typeof parseMessage>[];
      if (dead.length > 0 && (force || dead.length >= 1_000)) {
        for (let from = 0; from < dead.length; from += 1_000) await applyBatch(t.store, dead.slice(from, from + 1_000), { receivedAt: lastTime });
        dead.length = 0;
      }
    }
  };

  const closeGroup = async () => {
    if (group.length === 0) return;
    const events = [...new Map(group.map((m) => [m.event.eventId, m.event])).values()];
    const first = events[0];
    if (first === undefined) return;
    const state = foldEvents(events);
    const facts = deriveFacts(first.signalId, state);
    const at = timestampFromDate(lastTime);
    const digest = eventsDigest([...new Map(group.map((m) => [m.event.eventId, m.contentHash])).values()]);
    const row = toSignalRow({ ...facts, version: events.length, eventsDigest: digest, createdAt: at, updatedAt: at }, state);
    for (let i = 0; i < targets.length; i++) if (signals < (targets[i] as LoadTarget).limit) (pending[i] as Record<string, unknown>[]).push(row);
    signals++;
    group = [];
    if (signals % batchSize === 0) {
      await flush(false);
      onProgress(signals);
    }
  };

  for (const line of lines) {
    lineNo++;
    const m = parseMessage({
      topic: line.topic,
      key: line.key,
      value: typeof line.value === 'string' ? line.value : JSON.stringify(line.value),
      // as the worker reads them: each bad line is its own dead letter (a file source would record one per distinct line)
      source: { type: 'kafka', topic: line.topic, partition: 0, offset: String(lineNo), key: line.key },
    });
    if (!m.ok) {
      for (let i = 0; i < targets.length; i++) if (signals < (targets[i] as LoadTarget).limit) (bad[i] as ReturnType<typeof parseMessage>[]).push(m);
      continue;
    }
    if (group.length > 0 && group[0]?.event.signalId !== m.event.signalId) await closeGroup();
    group.push(m);
    lastTime = new Date(m.event.occurredAt);
  }
  await closeGroup();
  await flush(true);
  onProgress(signals);
  return signals;
}
