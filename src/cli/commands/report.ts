import type { Command } from 'commander';
import { withStore, type GlobalOptions } from '../context.ts';
import { formatCsv, formatTable } from '../output.ts';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('execution statistics and rejection summary over [--from, --to) on generated_at')
    .option('--from <time>', 'generated at or after (RFC 3339 or a date)')
    .option('--to <time>', 'generated before (exclusive)')
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV (section,key,value)')
    .action(async (opts: { from?: string; to?: string; json?: boolean; csv?: boolean }, cmd: Command) => {
      await withStore(cmd.optsWithGlobals<GlobalOptions>(), async (store) => {
        const { SignalRepository } = await import('../../store/index.ts');
        const repo = SignalRepository.fromStore(store);
        const stats = await repo.getExecutionStats(opts.from, opts.to);
        const rejections = await repo.getRejectionSummary(opts.from, opts.to);
        const statsSnake = {
          total_signals: stats.totalSignals,
          executed_count: stats.executedCount,
          rejected_count: stats.rejectedCount,
          avg_slippage: stats.avgSlippage,
          avg_quality_score: stats.avgQualityScore,
          by_status: stats.byStatus,
        };
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ from: opts.from ?? null, to: opts.to ?? null, execution_stats: statsSnake, rejection_summary: rejections }, null, 2)}\n`);
          return;
        }
        const statRows: [string, string, unknown][] = [
          ['execution_stats', 'total_signals', stats.totalSignals],
          ['execution_stats', 'executed_count', stats.executedCount],
          ['execution_stats', 'rejected_count', stats.rejectedCount],
          ['execution_stats', 'avg_slippage', stats.avgSlippage.toFixed(6)],
          ['execution_stats', 'avg_quality_score', stats.avgQualityScore.toFixed(6)],
          ...Object.entries(stats.byStatus).map(([s, n]): [string, string, unknown] => ['by_status', s, n]),
          ...Object.entries(rejections).map(([r, n]): [string, string, unknown] => ['rejection_summary', r, n]),
        ];
        if (opts.csv) {
          process.stdout.write(`${formatCsv(['section', 'key', 'value'], statRows)}\n`);
          return;
        }
        const range = `${opts.from ?? 'beginning'} .. ${opts.to ?? 'now'}`;
        const pct = (n: number) => (stats.totalSignals > 0 ? `${((100 * n) / stats.totalSignals).toFixed(1)}%` : '0.0%');
        process.stdout.write(`Execution statistics (${range})\n`);
        process.stdout.write(
          `${formatTable(['metric', 'value'], [
            ['total signals', stats.totalSignals],
            ['executed', stats.executedCount],
            ['rejected', stats.rejectedCount],
            ['average slippage', stats.avgSlippage.toFixed(6)],
            ['average quality score', stats.avgQualityScore.toFixed(6)],
          ])}\n\n`,
        );
        process.stdout.write(`Signals by status\n${formatTable(['status', 'signals', 'share'], Object.entries(stats.byStatus).map(([s, n]) => [s, n, pct(n)]))}\n\n`);
        const totalRejected = Object.values(rejections).reduce((a, b) => a + b, 0);
        process.stdout.write(
          `Rejection reasons\n${formatTable(
            ['reason', 'signals', 'share'],
            Object.entries(rejections).map(([r, n]) => [r, n, `${((100 * n) / Math.max(totalRejected, 1)).toFixed(1)}%`]),
          )}\n`,
        );
      });
    });
}
