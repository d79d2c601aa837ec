// The terminal tables of `report`: the --by table's headings and its empty cells (a rate or a latency that has
// no value is blank, not 0), and the statistics view's lines for values that are missing. Two strategies: one
// with an executed signal, one with a signal that never reached risk.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SignalRepository, SignalStatus } from '../../src/index.ts';
import { runCli } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';

/** A terminal table as rows of trimmed cells, cut where its dashed line puts the columns. */
function table(text: string): string[][] {
  const lines = text.split('\n').filter((l) => l !== '');
  const dashes = lines.findIndex((l) => /^-+( +-+)*$/.test(l));
  const spans = [...(lines[dashes] as string).matchAll(/-+/g)].map((m) => [m.index, m.index + m[0].length] as const);
  return [lines[dashes - 1] as string, ...lines.slice(dashes + 1)].map((l) => spans.map(([from, to], i) => l.slice(from, i === spans.length - 1 ? undefined : (spans[i + 1]?.[0] ?? to)).trim()));
}

const HEADINGS = ['signals', 'executed', 'rejected', 'pass rate', 'exec rate', 'executed notional', 'mean slip bps', 'fees', 'p50 ms', 'p95 ms'];

describe('report tables on a terminal', () => {
  const work = scratchDir('report-tables');
  const db = `sqlite:///${path.join(work, 'ledger.db')}`;
  const pending = `sqlite:///${path.join(work, 'pending.db')}`;
  beforeAll(async () => {
    const repo = await SignalRepository.open({ dbUrl: db });
    const a = await repo.saveSignal({ symbol: 'AAPL', side: 'buy', confidence: 0.8, sharpeEstimate: 1.5, entryPrice: 150, strategyName: 'momentum' }, { requestedQuantity: 100 });
    await repo.updateSignalStatus(a.signalId, SignalStatus.PassedRisk);
    await repo.updateSignalStatus(a.signalId, SignalStatus.Executed, { executedPrice: 151, executedQuantity: 100 });
    await repo.saveSignal({ symbol: 'MSFT', side: 'sell', confidence: 0.5, sharpeEstimate: 0.5, entryPrice: 300, strategyName: 'meanrev' });
    await repo.close();
    const only = await SignalRepository.open({ dbUrl: pending });
    await only.saveSignal({ symbol: 'MSFT', side: 'sell', confidence: 0.5, sharpeEstimate: 0.5, entryPrice: 300, strategyName: 'meanrev' });
    await only.close();
  });

  it('--by strategy: its headings, and blank cells for a pass rate, a slippage and latencies that have no value', () => {
    const r = runCli(['--db', db, 'report', '--by', 'strategy']);
    expect(r.code, r.stderr).toBe(0);
    const [head, meanrev, momentum] = table(r.stdout);
    expect(head).toEqual(['strategy', ...HEADINGS]);
    expect(meanrev).toEqual(['meanrev', '1', '0', '0', '', '0.0%', '0', '', '0', '', '']);
    expect(momentum?.slice(0, 9)).toEqual(['momentum', '1', '1', '0', '100.0%', '100.0%', '15100', '66.6667', '0']);
    expect(momentum?.[9]).toMatch(/^\d+$/);
  });

  it('--by day: one row per UTC day, labelled by its date', () => {
    const r = runCli(['--db', db, 'report', '--by', 'day']);
    expect(r.code, r.stderr).toBe(0);
    const [head, day, ...rest] = table(r.stdout);
    expect(head).toEqual(['day', ...HEADINGS]);
    expect(day?.[0]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(day?.slice(1, 6)).toEqual(['2', '1', '0', '100.0%', '50.0%']);
    expect(rest).toEqual([]);
  });

  it('the statistics view: missing values are blank, and a slippage spread with no fills is "- / - / - / -"', () => {
    const r = runCli(['--db', pending, 'report']);
    expect(r.code, r.stderr).toBe(0);
    const rows = new Map(table(r.stdout.split('\n\n')[0] as string).map(([metric, value]) => [metric, value]));
    expect(rows.get('pass rate')).toBe('');
    expect(rows.get('fill ratio')).toBe('');
    expect(rows.get('average slippage')).toBe('');
    expect(rows.get('slippage bps mean / median / p95 / worst')).toBe('- / - / - / -');
    expect(rows.get('average quality score')).toBe('0.125000'); // confidence x sharpe estimate / 2, to six places
  });
});
