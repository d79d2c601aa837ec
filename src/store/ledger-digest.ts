// One root for the whole ledger, or for everything it had received by a time: a hash over every signal's id
// and events digest, in id order, and over its distinct dead letters. A compliance archive keeps the root
// outside the database; `verify --root` later proves that nothing received by then changed.
import { createHash } from 'node:crypto';
import { eventsDigest } from '../contract/index.ts';
import { inJsonArray, runSql } from './bulk-sql.ts';
import { kyselyOf, SqlParams, timeParam } from './sql-params.ts';
import type { Store } from './store.ts';

/** The first line of what the root hashes: it names the form, so a later form can never collide with this one. */
const DIGEST_FORM = 'signal-ledger digest 1\n';

export interface DigestOptions {
  /** only what was received at or before this time */
  to?: Date | string;
  /** signals read at a time (default 1,000) */
  pageSize?: number;
  onProgress?: (signals: number) => void;
}

export interface LedgerDigest {
  /** sha256, hex */
  root: string;
  /** the bound, normalized; null for everything */
  to: string | null;
  signals: number;
  events: number;
  /** distinct dead letters (topic and raw value) */
  deadLetters: number;
}

/**
 * The ledger's root: the sha256 over DIGEST_FORM, then a line `S <tab> signal_id <tab> events digest` per signal
 * with events received by `to`, in the byte order of the ids (the events digest over those events' content
 * hashes, as recorded), then a line `D <tab> sha256(topic "\n" raw value)` per distinct dead letter received by
 * `to`, in order of that hash. Neither times of receipt, sources nor row ids enter it, so a ledger restored
 * from an export has the same root.
 */
export async function computeLedgerDigest(store: Store, options: DigestOptions = {}): Promise<LedgerDigest> {
  const to = options.to === undefined ? null : timeParam(options.to, 'to');
  const pageSize = options.pageSize ?? 1_000;
  const pg = store.dialect === 'postgresql';
  // byte order on both databases (PostgreSQL's default collation may order text by language)
  const id = pg ? `"signal_id" collate "C"` : `"signal_id"`;
  const root = createHash('sha256').update(DIGEST_FORM);
  const result: LedgerDigest = { root: '', to, signals: 0, events: 0, deadLetters: 0 };
  let cursor: string | null = null;
  for (;;) {
    const params = new SqlParams(store.dialect);
    const where = [...(to === null ? [] : [`"received_at" <= ${params.add(to, '::timestamptz')}`]), ...(cursor === null ? [] : [`${id} > ${params.add(cursor)}`])];
    const page = await runSql<{ signal_id: string }>(
      kyselyOf(store),
      `select "signal_id" from "signal_events"${where.length > 0 ? ` where ${where.join(' and ')}` : ''} group by "signal_id" order by ${id} limit ${params.add(pageSize)}`,
      params.values,
    );
    if (page.length === 0) break;
    const ids = page.map((r) => r.signal_id);
    const rows = await runSql<{ signal_id: string; content_hash: string }>(
      kyselyOf(store),
      `select "signal_id", "content_hash" from "signal_events" where ${inJsonArray(store.dialect, 'signal_id')}${to === null ? '' : ` and "received_at" <= ${pg ? '$2::timestamptz' : '?'}`}`,
      to === null ? [JSON.stringify(ids)] : [JSON.stringify(ids), to],
    );
    const bySignal = Map.groupBy(rows, (r) => r.signal_id);
    for (const signalId of ids) {
      const hashes = (bySignal.get(signalId) ?? []).map((r) => r.content_hash);
      root.update(`S\t${signalId}\t${eventsDigest(hashes)}\n`);
      result.events += hashes.length;
    }
    result.signals += ids.length;
    cursor = ids[ids.length - 1] as string;
    options.onProgress?.(result.signals);
  }
  // dead letters by content: those of one message delivered at two offsets are one (ingest of an export keeps one);
  // hashed by the database, so only their hashes are held here (64 bytes each), whatever the size of their values
  const params = new SqlParams(store.dialect);
  const content = `coalesce("topic", 'api') || ${pg ? "E'\\n'" : 'char(10)'} || coalesce("raw_value", '')`;
  const hash = pg ? `encode(sha256(convert_to(${content}, 'UTF8')), 'hex')` : `ledger_sha256(${content})`;
  const dead = await runSql<{ h: string }>(
    kyselyOf(store),
    `select distinct ${hash} as "h" from "dead_letters"${to === null ? '' : ` where "received_at" <= ${params.add(to, '::timestamptz')}`}`,
    params.values,
  );
  const deadHashes = dead.map((d) => d.h).sort();
  for (const h of deadHashes) root.update(`D\t${h}\n`);
  result.deadLetters = deadHashes.length;
  result.root = root.digest('hex');
  return result;
}
