export * from './create-worker.ts';
export * from './kafka-message.ts';
export type * from './worker-options.ts';
export * from './kafka-client.ts';
export * from './compression-codecs.ts';
export * from './worker-metrics.ts';
export * from './health-server.ts';
export * from './produce-events.ts';
export * from './partition-offsets.ts';
