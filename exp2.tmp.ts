import { Analytics } from './src/analytics/index.ts';
import { openStore } from './src/store/index.ts';
for (const url of ['postgresql://postgres@127.0.0.1:5432/sl_exp', 'sqlite:////tmp/sl_exp.db']) {
  const store = await openStore({ dbUrl: url });
  const a = Analytics.fromStore(store);
  const w = { from: '2025-01-01', to: '2026-01-01' };
  for (const [name, fn] of [['stats', () => a.getExecutionStats(w)], ['attr', () => a.getStrategyAttribution(w)], ['anom', () => a.getAnomalies(w)], ['spread', () => a.getSlippageDistribution(w)]] as const) {
    await fn(); const t0 = performance.now(); await fn(); console.log(url.slice(0, 10), name, (performance.now() - t0).toFixed(0), 'ms');
  }
  await store.close();
}
