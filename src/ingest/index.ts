export * from './batch-applier.ts';
export * from './ingest-lines.ts';
export * from './readable-file.ts';
