import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import type { TimeSeriesMetric } from '../../analytics/index.ts';
import { InputError } from '../../errors.ts';
import { withStore, type GlobalOptions } from '../context.ts';
import { checkTimeFlags, choiceFlag } from '../flags.ts';
import { escapeControls, formatCsv, formatTable, snakeKeys } from '../output.ts';

const REPORT_GROUPS = ['strategy', 'symbol', 'day'] as const;

interface ReportOptions {
  from?: string;
  to?: string;
  strategy?: string;
  symbol?: string;
  by?: 'strategy' | 'symbol' | 'day';
  json?: boolean;
  csv?: boolean;
  html?: string;
}

/** [path, value] for every leaf of an object: the rows of `--csv`. */
function leaves(value: unknown, prefix: string): [string, unknown][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [[prefix, value]];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

/** The columns of `--by` tables: a metric of the time series and its heading. */
const TABLE_COLUMNS: readonly [TimeSeriesMetric, string][] = [
  ['signals', 'signals'],
  ['executed', 'executed'],
  ['rejected', 'rejected'],
  ['passRate', 'pass rate'],
  ['executionRate', 'exec rate'],
  ['executedNotional', 'executed notional'],
  ['meanSlippageBps', 'mean slip bps'],
  ['fees', 'fees'],
  ['latencyP50', 'p50 ms'],
  ['latencyP95', 'p95 ms'],
];

const pct = (x: number | null) => (x === null ? '' : `${(100 * x).toFixed(1)}%`);
const ms = (x: number | null) => (x === null ? '' : x.toFixed(0));

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('execution quality over [--from, --to) on generated_at: statistics, rejections, or one row per strategy, symbol or day; --html writes a page with charts')
    .option('--from <time>', 'generated at or after (RFC 3339 or a date)')
    .option('--to <time>', 'generated before (exclusive)')
    .option('--strategy <name>', 'only this strategy')
    .option('--symbol <symbol>', 'only this symbol')
    .addOption(new Option('--by <group>', 'one row per strategy, symbol or UTC day').choices(REPORT_GROUPS).argParser(choiceFlag('--by', REPORT_GROUPS)))
    .option('--json', 'print JSON (snake_case keys)')
    .option('--csv', 'print CSV')
    .option('--html <file>', 'write a self-contained HTML page with charts to FILE and print its path')
    .action(async (opts: ReportOptions, cmd: Command) => {
      if (opts.json && opts.csv) throw InputError.invalid('--json/--csv', 'choose one output format');
      await checkTimeFlags({ '--from': opts.from, '--to': opts.to });
      await withStore(cmd.optsWithGlobals<GlobalOptions>(), async (store) => {
        const { Analytics, TIME_SERIES_METRICS } = await import('../../analytics/index.ts');
        const analytics = Analytics.fromStore(store);
        const window = { from: opts.from, to: opts.to, strategy: opts.strategy, symbol: opts.symbol };
        if (opts.html !== undefined) {
          const { gatherReport } = await import('../../analytics/report-data.ts');
          const { renderHtmlReport } = await import('../../analytics/html-report.ts');
          const file = path.resolve(opts.html);
          const database = store.target.dialect === 'sqlite' ? `SQLite ${store.target.memory ? ':memory:' : path.basename(store.target.file)}` : `PostgreSQL database ${store.target.database}`;
          writeFileSync(file, await renderHtmlReport(await gatherReport(analytics, window, database)));
          process.stdout.write(`${file}\n`);
          return;
        }
        if (opts.by !== undefined) {
          const groups = opts.by === 'day' ? await analytics.getTimeSeries({ ...window, bucket: 'day' }) : null;
          const rows = opts.by === 'strategy' ? await analytics.getStrategyAttribution(window) : opts.by === 'symbol' ? await analytics.getSymbolBreakdown(window) : null;
          if (opts.json) {
            process.stdout.write(`${JSON.stringify({ from: opts.from ?? null, to: opts.to ?? null, by: opts.by, rows: snakeKeys(rows ?? groups) }, null, 2)}\n`);
            return;
          }
          const flat = (rows ?? groups ?? []).map((r) => Object.fromEntries(leaves(snakeKeys(r), '')));
          const headers = [...new Set(flat.flatMap((r) => Object.keys(r)))];
          if (opts.csv) {
            process.stdout.write(`${formatCsv(headers, flat.map((r) => headers.map((h) => r[h])))}\n`);
            return;
          }
          // one line per group: the strategy, symbol or day, then the same metrics whichever it is
          const lines =
            rows !== null
              ? rows.map((r) => ({ label: ('strategy' in r ? r.strategy : r.symbol) ?? '(no details)', value: (m: TimeSeriesMetric) => TIME_SERIES_METRICS[m]({ key: null, ...r }) }))
              : (groups ?? []).map((g) => ({ label: g.bucket.slice(0, 10), value: (m: TimeSeriesMetric) => g[m] }));
          const cell = (m: TimeSeriesMetric, v: unknown) => (m === 'passRate' || m === 'executionRate' ? pct(v as number | null) : m.startsWith('latency') ? ms(v as number | null) : (v ?? ''));
          process.stdout.write(`${formatTable([opts.by, ...TABLE_COLUMNS.map(([, h]) => h)], lines.map((l) => [l.label, ...TABLE_COLUMNS.map(([m]) => cell(m, l.value(m)))]))}\n`);
          return;
        }
        const stats = await analytics.getExecutionStats(window);
        const rejections = await analytics.getRejectionSummary(window);
        const original = Object.fromEntries(rejections.reasons.map((r) => [r.reason, r.count]));
        // received in the window, whatever the strategy or symbol (a dead letter may name neither)
        const { recent: _recent, ...dead } = await analytics.getDeadLetters({ from: opts.from, to: opts.to, limit: 1 });
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify({ from: opts.from ?? null, to: opts.to ?? null, execution_stats: snakeKeys(stats), rejection_summary: original, rejections: snakeKeys(rejections), dead_letters: snakeKeys(dead) }, null, 2)}\n`,
          );
          return;
        }
        if (opts.csv) {
          const rows = [
            ...leaves(snakeKeys(stats), '').map(([k, v]) => ['execution_stats', k, v]),
            ...rejections.reasons.map((r) => ['rejection_summary', r.reason, r.count]),
            ...rejections.byStrategy.flatMap((s) => s.reasons.map((r) => [`rejections.${s.strategy ?? '(no details)'}`, r.reason, r.count])),
            ...(['total', 'open', 'resolved'] as const).map((k) => ['dead_letters', k, dead[k]]),
            ...dead.byTopic.flatMap((t) => (['open', 'resolved'] as const).map((k) => [`dead_letters.${k}`, t.topic, t[k]])),
          ];
          process.stdout.write(`${formatCsv(['section', 'key', 'value'], rows)}\n`);
          return;
        }
        const range = `${opts.from ?? 'beginning'} .. ${opts.to ?? 'now'}`;
        const share = (n: number) => (stats.totalSignals > 0 ? `${((100 * n) / stats.totalSignals).toFixed(1)}%` : '0.0%');
        const lat = stats.latencyMs;
        const out = [
          escapeControls(`Execution statistics (${range}${opts.strategy ? `, strategy ${opts.strategy}` : ''}${opts.symbol ? `, symbol ${opts.symbol}` : ''})`),
          formatTable(['metric', 'value'], [
            ['total signals', stats.totalSignals],
            ['executed', stats.executedCount],
            ['rejected', stats.rejectedCount],
            ['pass rate', pct(stats.passRate)],
            ['execution rate', pct(stats.executionRate)],
            ['fill ratio', stats.fillRatio ?? ''],
            ['average slippage', stats.slippage.mean ?? ''],
            ['slippage bps mean / median / p95 / worst', [stats.slippageBps.mean, stats.slippageBps.median, stats.slippageBps.p95, stats.slippageBps.worst].map((x) => x ?? '-').join(' / ')],
            ['total fees', stats.totalFees],
            ['average quality score', stats.avgQualityScore.toFixed(6)],
          ]),
          '',
          'Latency (ms, p50 / p95 / p99)',
          formatTable(
            ['from -> to', 'signals', 'p50', 'p95', 'p99'],
            (
              [
                ['generated -> risk', lat.generatedToRisk],
                ['generated -> submitted', lat.generatedToSubmitted],
                ['submitted -> first fill', lat.submittedToFirstFill],
                ['generated -> executed', lat.generatedToExecuted],
              ] as const
            ).map(([name, l]) => [name, l.count, ms(l.p50), ms(l.p95), ms(l.p99)]),
          ),
          '',
          `Signals by status\n${formatTable(['status', 'signals', 'share'], Object.entries(stats.byStatus).map(([s, n]) => [s, n, share(n)]))}`,
          '',
          `Rejection reasons\n${formatTable(['reason', 'signals', 'share'], rejections.reasons.map((r) => [r.reason, r.count, pct(r.share)]))}`,
          '',
          `Dead letters received (${dead.open} open, ${dead.resolved} resolved by dead-letters retry)\n${formatTable(['topic', 'received', 'open', 'resolved'], dead.byTopic.map((t) => [t.topic, t.count, t.open, t.resolved]))}`,
        ];
        process.stdout.write(`${out.join('\n')}\n`);
      }, 'read');
    });
}
