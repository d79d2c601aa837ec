// The settings' fixed choices and the whole-number rule, without zod: the command line's main thread loads
// these to build --help and read its flags, and loads config.ts (zod, the contract) only when a command runs
// that needs it. `signal-ledger worker` never loads config.ts there: its thread reads the settings
// (test/cli/lean-main-thread.e2e.test.ts).

/** Messages per worker transaction unless WORKER_MAX_BATCH or --max-batch says otherwise. */
export const DEFAULT_MAX_BATCH = 4000;

/**
 * Messages the worker buffers for a topic partition before it pauses fetching it, unless WORKER_PARTITION_BUFFER or
 * --partition-buffer says otherwise: an eighth of a slice, rounded up (500 at the default --max-batch), so the 30
 * partitions of the five topics hold at most about 15,000 messages besides a fetch's overshoot. Memory is chosen
 * over speed by default, under the 300 MB goal; an operator with memory to spare raises it (docs/worker.md, the
 * figures in docs/benchmarks.md).
 */
export const defaultPartitionBuffer = (maxBatch: number): number => Math.max(1, Math.ceil(maxBatch / 8));
/** The largest --partition-buffer: 355 MB at the peak of the 200,000-message benchmark (docs/benchmarks.md). */
export const MAX_PARTITION_BUFFER = 5000;

/** Codecs of messages the ledger produces (the dead-letter topic, `generate --produce`); every codec is read. */
export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];
/** What the worker does with a message that breaks the contract: record it as a dead letter and go on (default), or stop. */
export const ON_INVALID = ['dead-letter', 'stop'] as const;
export type OnInvalid = (typeof ON_INVALID)[number];
/** How a timestamp without an offset is read: a dead letter (default), or as UTC. */
export const NAIVE_TIMESTAMPS = ['reject', 'utc'] as const;
export type NaiveTimestamps = (typeof NAIVE_TIMESTAMPS)[number];

/**
 * A whole number in decimal digits only (no "0x10", "1e3", "-1" or "12abc"; spaces around it are allowed), from
 * min to max, or null. Settings (config.ts) and whole-number flags (cli/flags.ts) read numbers by this one rule.
 */
export function readWholeNumber(value: string, min: number, max: number): number | null {
  if (!/^\s*\d{1,15}\s*$/.test(value)) return null;
  const n = Number(value);
  return n >= min && n <= max ? n : null;
}

/** What a value outside readWholeNumber's rule is told. */
export const wholeNumberRule = (min: number, max: number): string => `a whole number from ${min} to ${max}`;
