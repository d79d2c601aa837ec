export * from './exact-decimal.ts';
