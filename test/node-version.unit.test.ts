import { describe, expect, it } from 'vitest';
import { meetsEngines } from '../src/node-version.ts';

describe('the engines floor (src/node-version.ts)', () => {
  it.each([
    ['22.17.0', true],
    ['22.17.1', true],
    ['22.18.0', true],
    ['23.0.0', true],
    ['24.21.0', true],
    ['v24.0.0', true],
    ['22.16.9', false],
    ['22.9.0', false],
    ['21.99.0', false],
    ['20.19.0', false],
    ['18.20.8', false],
  ])('Node.js %s meets >=22.17: %s (minor versions compare as numbers, not text)', (version, meets) => {
    expect(meetsEngines(version, '>=22.17')).toBe(meets);
  });
});
