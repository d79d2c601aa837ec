import { type ParsedMessage, parseMessage } from '../../src/contract/index.ts';
import { type EventLine, generateEvents, type GenerateOptions, createRandom } from '../../src/simulate/generate-events.ts';

/** Generated event lines as parsed messages, as file ingest would produce them. */
export function parsedWorkload(options: GenerateOptions, name = 'workload'): ParsedMessage[] {
  return toMessages([...generateEvents(options)], name);
}

export function toMessages(lines: readonly EventLine[], name = 'workload'): ParsedMessage[] {
  return lines.map((l, i) =>
    parseMessage({
      topic: l.topic,
      key: l.key,
      value: typeof l.value === 'string' ? l.value : JSON.stringify(l.value),
      source: { type: 'file', file: name, line: i + 1, topic: l.topic, key: l.key },
    }),
  );
}

/** A seeded Fisher-Yates shuffle. */
export function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const rand = createRandom(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
