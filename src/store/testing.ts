// Internal surface for the project's own tests: the store layer's functions under one import.
export { LIMITS as LIMITS_FOR_TESTS } from '../contract/index.ts';
export * from './index.ts';
