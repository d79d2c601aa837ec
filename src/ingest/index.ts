export * from './ingest-lines.ts';
