// A thread script for test/cli/thread.unit.test.ts: throws what it was given.
import { workerData } from 'node:worker_threads';

throw new Error(String(workerData));
