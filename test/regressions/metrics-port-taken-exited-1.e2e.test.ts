// Regression (found writing test/cli/worker.e2e.test.ts for the CLI's mutation pass, issue 13): a worker
// whose metrics port was taken (or not allowed, or whose --metrics-host is not an address of this machine)
// exited with code 1, "an unexpected error", though its message named the setting to change. docs/cli.md gives
// code 2 to a bad flag or setting; it now exits with 2.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.ts';
import { createTestDatabase } from '../helpers/databases.ts';

describe('signal-ledger worker with a metrics port already taken', () => {
  it('a metrics port already taken is a setting to change: one line naming the flags and the address, exit 2', async () => {
    const db = await createTestDatabase('sqlite-file');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const worker = startCli(['--db', db.url, 'worker', '--brokers', '127.0.0.1:9', '--metrics-port', String(port)], { killAfterMs: 60_000 });
      const exit = await worker.exited;
      expect(exit.code, worker.output).toBe(2);
      expect(worker.stderr.trim()).toMatch(
        new RegExp(`^signal-ledger: --metrics-host/--metrics-port \\(METRICS_HOST/METRICS_PORT\\): cannot listen on 127\\.0\\.0\\.1:${port}: listen EADDRINUSE[^\\n]*$`),
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
      await db.drop();
    }
  });
});
