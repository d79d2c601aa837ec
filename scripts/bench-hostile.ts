// npm run bench:hostile: what a message built to be costly costs parseMessage, against JSON.parse of the
// same text in the same run, and the slowest parses of a fixed sample of the fuzz tests' hostile messages.
// Targets (exit 1 when one is missed): a costly message within 15 times JSON.parse or 50 ms, whichever is
// larger; any fuzz message within 50 ms plus 250 ms per MiB. Linear work costs 6 to 13 times JSON.parse
// (canonical JSON, sha256, the hazard walk); a per-node cost of validation or anything super-linear
// (a catastrophic pattern, big-number arithmetic on an exponent) costs far more. Each time is the median of
// three runs, shown with the minimum and maximum. Bounded: no network, a fixed sample.
import fc from 'fast-check';
import { keyText, LIMITS, parseMessage } from '../src/contract/index.ts';
import { anyMessageArb, costlyMessages, type HostileMessage } from '../test/helpers/hostile-messages.ts';
import { printTable } from './bench-common.ts';

const FACTOR = 15;
const FLOOR_MS = 50;
const FUZZ_SAMPLE = Number(process.env.BENCH_FUZZ_SAMPLE ?? 3_000);
const budgetFor = (bytes: number) => FLOOR_MS + (250 * bytes) / LIMITS.maxMessageBytes;

/** Median, minimum and maximum of three timed runs of fn, in milliseconds. */
function timed(fn: () => unknown): { median: number; min: number; max: number } {
  const ms: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[1] as number, min: ms[0] as number, max: ms[2] as number };
}
const shown = (t: { median: number; min: number; max: number }) => `${t.median.toFixed(1)} (${t.min.toFixed(1)}–${t.max.toFixed(1)})`;
const jsonParse = (text: string) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
};

// warm up: the first parse compiles the schemas
parseMessage({ topic: 'signals.generated', value: '{}', source: { type: 'api' } });

let missed = 0;
const rows = costlyMessages().map(([name, topic, text]) => {
  const bytes = Buffer.from(text);
  const reference = timed(() => jsonParse(text));
  const parse = timed(() => parseMessage({ topic, value: bytes, source: { type: 'api' } }));
  const budget = Math.max(FLOOR_MS, FACTOR * reference.median);
  const ok = parse.median <= budget;
  if (!ok) missed++;
  return [name, `${(bytes.byteLength / 1024).toFixed(0)} KiB`, shown(parse), shown(reference), `${(parse.median / Math.max(reference.median, 1e-3)).toFixed(1)}x`, `${budget.toFixed(0)}`, ok ? 'ok' : 'MISSED'];
});
console.log(`\nparseMessage on messages built to be costly, ms: median of 3 (min–max); target ≤ max(${FACTOR} × JSON.parse, ${FLOOR_MS} ms)`);
printTable(['message', 'size', 'parseMessage', 'JSON.parse', 'ratio', 'target', ''], rows);

const sample = fc.sample(anyMessageArb(), { numRuns: FUZZ_SAMPLE, seed: 20261130 });
const sizeOf = (m: HostileMessage) => (m.value === null ? 0 : typeof m.value === 'string' ? Buffer.byteLength(m.value) : m.value.byteLength);
const rawOf = (m: HostileMessage) => {
  const key = keyText(m.key);
  return { topic: m.topic, key, value: m.value, source: { type: 'kafka' as const, topic: m.topic, partition: 0, offset: '0', key } };
};
// one pass to find the slowest, then three timed runs of each of those against its budget
const first = sample.map((m) => ({ m, ms: timed(() => parseMessage(rawOf(m))).min }));
first.sort((a, b) => b.ms - a.ms);
const slowest = first.slice(0, 5).map(({ m }) => {
  const t = timed(() => parseMessage(rawOf(m)));
  const budget = budgetFor(sizeOf(m));
  const ok = t.median <= budget;
  if (!ok) missed++;
  return [m.label.slice(0, 70), `${(sizeOf(m) / 1024).toFixed(0)} KiB`, shown(t), budget.toFixed(0), ok ? 'ok' : 'MISSED'];
});
console.log(`\nthe 5 slowest of ${FUZZ_SAMPLE} fuzz messages (fast-check seed 20261130), ms: median of 3 (min–max); target ≤ 50 ms + 250 ms per MiB`);
printTable(['message', 'size', 'parseMessage', 'target', ''], slowest);
console.log(missed === 0 ? '\nevery target met' : `\n${missed} target(s) missed`);
process.exitCode = missed === 0 ? 0 : 1;
