/** Named limits of the contract and the apply path. */
export const LIMITS = {
  maxMessageBytes: 1_048_576,
  maxMetadataBytes: 16_384,
  maxIdLength: 128,
  maxTextLength: 1_000,
  maxBatchEvents: 5_000,
  defaultPageSize: 100,
  maxPageSize: 10_000,
  /** file ingest: longest line by default (INGEST_MAX_LINE_BYTES, --max-line-bytes) */
  maxLineBytes: 2_097_152,
  /** the most --max-line-bytes may be set to */
  maxLineBytesCeiling: 67_108_864,
} as const;
