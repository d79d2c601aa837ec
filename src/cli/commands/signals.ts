import { type Command, Option } from 'commander';
import { LIMITS } from '../../contract/limits.ts';
import { SIGNAL_STATUSES } from '../../fold/signal-status.ts';
import type { SignalVersion } from '../../api/index.ts';
import { InputError } from '../../errors.ts';
import type { SignalRecord } from '../../store/index.ts';
import { withStore, type GlobalOptions } from '../context.ts';
import { checkTimeFlags, choiceFlag, wholeNumberFlag } from '../flags.ts';
import { escapeControls, formatCsv, formatTable, snakeKeys } from '../output.ts';

/** Writes a JSON array element by element, byte for byte as JSON.stringify(array, null, 2) would. */
function createJsonArrayWriter(write: (text: string) => void) {
  let first = true;
  return {
    add(value: unknown) {
      write(`${first ? '[\n' : ',\n'}${JSON.stringify(value, null, 2).replace(/^/gm, '  ')}`);
      first = false;
    },
    end() {
      write(first ? '[]\n' : '\n]\n');
    },
  };
}

/** The repository and the record's JSON form, loaded on use. */
async function loadRepository() {
  const [{ SignalRepository }, { toSnakeCase }] = await Promise.all([import('../../api/index.ts'), import('../../store/index.ts')]);
  return { SignalRepository, toSnakeCase };
}

function printRecord(record: SignalRecord, toSnakeCase: (r: SignalRecord) => Record<string, unknown>): string {
  const snake = toSnakeCase(record);
  const width = Math.max(...Object.keys(snake).map((k) => k.length));
  return Object.entries(snake)
    .map(([k, v]) => `${k.padEnd(width)}  ${v === null ? '' : escapeControls(typeof v === 'object' ? JSON.stringify(v) : String(v))}`)
    .join('\n');
}

export function registerSignals(program: Command): void {
  const signals = program.command('signals').description('look signal records up');
  signals
    .command('get')
    .description('print one signal record (exit 3 when it does not exist)')
    .argument('<id>', 'signal id')
    .option('--json', 'print the record as JSON (snake_case)')
    .option('--audit', 'also print the audit trail of the signal')
    .option('--as-of <time>', 'the record from the events that had occurred by then (inclusive), refolded from the audit trail')
    .option('--known-at <time>', 'the record from the events the ledger had received by then (inclusive); with --as-of, both hold')
    .action(async (id: string, opts: { json?: boolean; audit?: boolean; asOf?: string; knownAt?: string }, cmd: Command) => {
      await checkTimeFlags({ '--as-of': opts.asOf, '--known-at': opts.knownAt });
      await withStore(cmd.optsWithGlobals<GlobalOptions>(), async (store) => {
        const { SignalRepository, toSnakeCase } = await loadRepository();
        const repo = SignalRepository.fromStore(store);
        const record = await repo.getSignalById(id, { asOf: opts.asOf, knownAt: opts.knownAt });
        if (record === null) {
          const when = [opts.asOf && `as of ${opts.asOf}`, opts.knownAt && `known at ${opts.knownAt}`].filter(Boolean).join(', ');
          process.stderr.write(`signal-ledger: no signal ${escapeControls(JSON.stringify(id))}${when ? ` ${escapeControls(when)}` : ''}\n`);
          process.exitCode = 3;
          return;
        }
        const audit = opts.audit ? await repo.getAuditTrail(id) : null;
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(audit ? { ...toSnakeCase(record), audit_trail: snakeKeys(audit) } : toSnakeCase(record), null, 2)}\n`);
          return;
        }
        process.stdout.write(`${printRecord(record, toSnakeCase)}\n`);
        if (audit) {
          process.stdout.write(
            `\n${formatTable(
              ['received_at', 'occurred_at', 'kind', 'status', 'source', 'anomaly', 'event_id'],
              audit.map((a) => [a.receivedAt, a.occurredAt, a.kind, `${a.statusBefore ?? '-'} -> ${a.statusAfter}`, a.source, a.anomaly, a.eventId]),
            )}\n`,
          );
        }
      }, 'read');
    });
  signals
    .command('list')
    .description('list signal records, newest generated_at first')
    .addOption(new Option('--status <status...>', 'only these statuses').choices(SIGNAL_STATUSES).argParser(choiceFlag('--status', SIGNAL_STATUSES, true)))
    .option('--symbol <symbol>', 'only this symbol')
    .option('--strategy <name>', 'only this strategy')
    .option('--from <time>', 'generated at or after (RFC 3339 or a date)')
    .option('--to <time>', 'generated before (exclusive)')
    .option('--limit <n>', `records per page, 1 to ${LIMITS.maxPageSize}`, wholeNumberFlag('--limit', 1, LIMITS.maxPageSize), LIMITS.defaultPageSize)
    .option('--cursor <signalId>', 'continue after this signal id (the last of the previous page)')
    .option('--all', 'every matching record, paging through the store')
    .option('--json', 'print a JSON array of records (snake_case)')
    .option('--as-of <time>', 'the records from the events that had occurred by then, refolded from the audit trail; filters apply to those, listed in signal_id order')
    .option('--known-at <time>', 'the records from the events received by then (with --as-of, both hold)')
    .action(async (opts: { status?: string[]; symbol?: string; strategy?: string; from?: string; to?: string; limit: number; cursor?: string; all?: boolean; json?: boolean; asOf?: string; knownAt?: string }, cmd: Command) => {
      await checkTimeFlags({ '--from': opts.from, '--to': opts.to, '--as-of': opts.asOf, '--known-at': opts.knownAt });
      await withStore(cmd.optsWithGlobals<GlobalOptions>(), async (store) => {
        const { SignalRepository, toSnakeCase } = await loadRepository();
        const repo = SignalRepository.fromStore(store);
        const filters = { status: opts.status, symbol: opts.symbol, strategy: opts.strategy, startDate: opts.from, endDate: opts.to };
        // Pages are written as they arrive: `--all` over a large store never holds it in memory.
        const json = opts.json ? createJsonArrayWriter((text) => process.stdout.write(text)) : null;
        const records: SignalRecord[] = [];
        let cursor = opts.cursor;
        let count = 0;
        for (;;) {
          const page = await repo.getSignals(filters, { limit: opts.limit, cursor }, { asOf: opts.asOf, knownAt: opts.knownAt });
          count += page.length;
          if (json) for (const r of page) json.add(toSnakeCase(r));
          else records.push(...page);
          if (!opts.all || page.length < opts.limit) break;
          cursor = page[page.length - 1]?.signalId;
        }
        if (json) {
          json.end();
          return;
        }
        process.stdout.write(
          `${formatTable(
            ['signal_id', 'generated_at', 'strategy', 'symbol', 'dir', 'status', 'signal_price', 'executed_price', 'qty', 'slippage'],
            records.map((r) => [r.signalId, r.generatedAt, r.strategyName, r.symbol, r.direction, r.status, r.signalPrice, r.executedPrice, r.executedQuantity, r.slippage]),
          )}\n`,
        );
        if (!opts.all && count === opts.limit) {
          process.stderr.write(`more records: --cursor ${escapeControls(records[records.length - 1]?.signalId ?? '')}\n`);
        }
      }, 'read');
    });
  signals
    .command('history')
    .description('every version of a signal record, one per distinct event in event time, refolded from the audit trail (exit 3 when the signal does not exist)')
    .argument('<id>', 'signal id')
    .option('--json', 'print a JSON array of versions: the event, the status before and after, the fields changed and the whole record')
    .option('--csv', 'print CSV: one line per version, the event and the whole record')
    .action(async (id: string, opts: { json?: boolean; csv?: boolean }, cmd: Command) => {
      if (opts.json && opts.csv) throw InputError.invalid('--json/--csv', 'choose one output format');
      await withStore(cmd.optsWithGlobals<GlobalOptions>(), async (store) => {
        const [{ SignalRepository, toSnakeCase }, { signalColumn }] = await Promise.all([loadRepository(), import('../../store/index.ts')]);
        const history = await SignalRepository.fromStore(store).getSignalHistory(id);
        if (history.length === 0) {
          process.stderr.write(`signal-ledger: no signal ${escapeControls(JSON.stringify(id))}\n`);
          process.exitCode = 3;
          return;
        }
        const event = (v: SignalVersion) => ({
          version: v.version,
          kind: v.kind,
          event_id: v.eventId,
          occurred_at: v.occurredAt,
          received_at: v.receivedAt,
          source: v.source,
          status_before: v.statusBefore,
          status_after: v.statusAfter,
          changed: v.changed.map(signalColumn),
        });
        if (opts.json) {
          const json = createJsonArrayWriter((text) => process.stdout.write(text));
          for (const v of history) json.add({ ...event(v), record: toSnakeCase(v.record) });
          json.end();
          return;
        }
        if (opts.csv) {
          const first = history[0] as SignalVersion;
          const headers = [...Object.keys(event(first)), ...Object.keys(toSnakeCase(first.record))];
          const rows = history.map((v) => [...Object.values({ ...event(v), changed: v.changed.map(signalColumn).join(' ') }), ...Object.values(toSnakeCase(v.record))]);
          process.stdout.write(`${formatCsv(headers, rows)}\n`);
          return;
        }
        // the table shows what each event changed: field=value, in the record's order
        const shown = (value: unknown) => (value === null ? 'null' : typeof value === 'object' ? JSON.stringify(value) : String(value));
        process.stdout.write(
          `${formatTable(
            ['version', 'occurred_at', 'received_at', 'kind', 'status', 'changes'],
            history.map((v) => [
              v.version,
              v.occurredAt,
              v.receivedAt,
              v.kind,
              `${v.statusBefore ?? '-'} -> ${v.statusAfter}`,
              v.changed.filter((f) => f !== 'status').map((f) => `${signalColumn(f)}=${shown(v.record[f])}`).join(', '),
            ]),
          )}\n`,
        );
      }, 'read');
    });
}
