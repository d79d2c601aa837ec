import { generateEvents } from './src/simulate/generate-events.ts';
import { parseMessage } from './src/contract/index.ts';
import { openStore, applyBatch } from './src/store/index.ts';
const url = process.argv[2]!;
const lines = [...generateEvents({ signals: 20000, duplicates: 0.1, outOfOrder: 0.05, bad: 0.01 })];
const parsed = lines.map((l, i) => parseMessage({ topic: l.topic, value: typeof l.value === 'string' ? l.value : JSON.stringify(l.value), key: l.key, source: { type: 'file', file: 'x', line: i + 1, topic: l.topic, key: l.key } }));
const store = await openStore({ dbUrl: url });
let t = performance.now();
const tot = { applied: 0, duplicates: 0, deadLetters: 0 };
for (let i = 0; i < parsed.length; i += 1000) {
  const r = await applyBatch(store, parsed.slice(i, i + 1000));
  tot.applied += r.applied; tot.duplicates += r.duplicates; tot.deadLetters += r.deadLetters;
}
const s = (performance.now() - t) / 1000;
console.log(lines.length, tot, Math.round(lines.length / s), 'ev/s');
const c = await store.em().getConnection().execute('select status, count(*) n from signals group by status order by status');
console.log(c);
await store.close();
