import { Analytics } from './src/analytics/index.ts';
import { openStore } from './src/store/index.ts';
const only = process.argv[2];
for (const url of ['postgresql://postgres@127.0.0.1:5432/sl_exp', 'sqlite:////tmp/sl_exp.db']) {
  if (only && !url.startsWith(only)) continue;
  const store = await openStore({ dbUrl: url });
  const a = Analytics.fromStore(store);
  const w = { from: '2025-01-01', to: '2026-01-01' };
  const calls = [['stats', () => a.getExecutionStats(w)], ['rej', () => a.getRejectionSummary(w)], ['attr', () => a.getStrategyAttribution(w)], ['ts', () => a.getTimeSeries({ ...w, bucket: 'day' })], ['anom', () => a.getAnomalies(w)], ['spread', () => a.getSlippageDistribution(w)], ['dl', () => a.getDeadLetters(w)]] as const;
  for (const [name, fn] of calls) {
    if (process.argv[3] && process.argv[3] !== name) continue;
    await fn(); const t0 = performance.now(); await fn(); console.log(url.slice(0, 10), name, (performance.now() - t0).toFixed(0), 'ms');
  }
  await store.close();
}
