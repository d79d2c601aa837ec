/** Named limits of the contract and the apply path. */
export const LIMITS = {
  maxMessageBytes: 1_048_576,
  maxMetadataBytes: 16_384,
  maxIdLength: 128,
  maxTextLength: 1_000,
  maxBatchEvents: 5_000,
  /** JSON nesting of a message value (the value itself is level 1); deeper is a dead letter */
  maxJsonDepth: 64,
  /** characters of one decimal's text (a JSON number's source or a decimal string), checked before any arithmetic */
  maxDecimalChars: 100,
  /** characters of an input value quoted in a problem message */
  maxQuotedChars: 80,
  defaultPageSize: 100,
  /**
   * file ingest: messages per transaction unless --batch-size says otherwise (the worker's --max-batch
   * default, DEFAULT_MAX_BATCH, is 4,000 too). bench:ingest measured 4,000 the fastest of 250, 1,000 and
   * 4,000 on both databases (docs/benchmarks.md)
   */
  defaultIngestBatch: 4_000,
  maxPageSize: 10_000,
  /** file ingest: longest line by default (INGEST_MAX_LINE_BYTES, --max-line-bytes) */
  maxLineBytes: 2_097_152,
  /** the most --max-line-bytes may be set to */
  maxLineBytesCeiling: 67_108_864,
} as const;
