// The leak guard (setupFiles of test/vitest.config.ts): a test file that leaves a connection, a server or a
// child process open fails, naming what it left (test/helpers/open-resources.ts). Compared
// per file, against what was open before its first test.
import { afterAll, beforeAll, expect } from 'vitest';
import { openResources, stillOpenSince } from './open-resources.ts';

let before = new Map<string, number>();
beforeAll(() => {
  before = openResources();
});

afterAll(async () => {
  expect(await stillOpenSince(before), 'this test file left these open: close them in the test (store.close(), server.close(), kill the child)').toEqual([]);
});
