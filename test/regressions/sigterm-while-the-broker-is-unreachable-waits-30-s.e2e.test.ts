// Regression (found writing the broker-less command tests, issue 13): a SIGTERM while the worker was still
// reaching its brokers logged "worker stopped", yet the process went on waiting for kafkajs, which tries to
// connect for about 30 s, and then exited 1 with the connection error. A supervisor that sends SIGTERM and
// waits its usual 30 s before SIGKILL saw a hung worker and a failure. Now the worker ends at once with 0:
// nothing is in hand before it has connected. Found with it: the worker thread's last log lines ("worker
// stopped", or why it stopped) could be lost, as pino flushes an asynchronous destination on exit only in
// the main thread; log lines are now written synchronously.
import { describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.ts';
import { createTestDatabase } from '../helpers/databases.ts';

describe('a SIGTERM while the worker is still reaching an unreachable broker', () => {
  it('stops the worker at once with exit code 0', async () => {
    const db = await createTestDatabase('sqlite-file');
    try {
      const worker = startCli(['worker', '--metrics-port', '0'], { env: { DATABASE_URL: db.url, KAFKA_BROKERS: '127.0.0.1:1', LOG_LEVEL: 'info' }, killAfterMs: 60_000 });
      expect(await worker.outputIncludes('worker starting'), worker.output).toBe(true);
      worker.kill('SIGTERM');
      const t0 = Date.now();
      const exit = await worker.exited;
      expect(exit.code, worker.output).toBe(0);
      expect(worker.output, worker.output).toContain('"msg":"worker stopped"');
      expect(worker.stderr).not.toContain('ECONNREFUSED');
      // kafkajs would have gone on trying for about 30 s
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      await db.drop();
    }
  });
});
