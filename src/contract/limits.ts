/** Named limits of the contract and the apply path. */
export const LIMITS = {
  maxMessageBytes: 1_048_576,
  maxMetadataBytes: 16_384,
  maxIdLength: 128,
  maxTextLength: 1_000,
  maxBatchEvents: 5_000,
  defaultPageSize: 100,
  maxPageSize: 10_000,
} as const;
