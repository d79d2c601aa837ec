// `signal-ledger worker` as far as it goes without a broker (an unreachable one: the worker keeps trying to
// reach it until stopped): its start line, where /metrics answers, a stop by SIGINT, a second signal while the
// first waits for the database, a database it cannot reach. A metrics address it cannot listen on:
// test/regressions/metrics-port-taken-exited-1.e2e.test.ts. With a broker: test/worker/ (create-worker.e2e, .poison.e2e).
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { runCli, sigtermTwice, startCli } from '../helpers/cli.ts';
import { createTestDatabase, type HeldTableLock, holdTableLock } from '../helpers/databases.ts';

const UNREACHABLE = '127.0.0.1:9';

describe('signal-ledger worker without a broker', () => {
  it('its start line names the group and where /metrics answers (an IPv6 address in brackets); SIGINT stops it, logged with the signal, exit 0', async () => {
    const db = await createTestDatabase('sqlite-file');
    try {
      const worker = startCli(['--db', db.url, 'worker', '--brokers', UNREACHABLE, '--group-id', 'grp-cli', '--metrics-host', '::1', '--metrics-port', '0'], {
        env: { LOG_LEVEL: 'info' },
        killAfterMs: 60_000,
      });
      expect(await worker.outputIncludes('worker starting'), worker.output).toBe(true);
      const start = JSON.parse(worker.output.split('\n').find((l) => l.includes('worker starting')) as string) as { group: string; metrics: string; database: string };
      expect(start.group).toBe('grp-cli');
      expect(start.database).toBe(db.url);
      expect(start.metrics).toMatch(/^http:\/\/\[::1\]:\d+\/metrics$/);
      expect((await fetch(start.metrics.replace('/metrics', '/livez'))).status).toBe(200);
      worker.kill('SIGINT');
      const exit = await worker.exited;
      expect(exit.code, worker.output).toBe(0);
      const stopping = worker.output.split('\n').find((l) => l.includes('stopping: finishing the batch in hand'));
      expect(JSON.parse(stopping as string)).toMatchObject({ signal: 'SIGINT' });
      expect(worker.output).toContain('"msg":"worker stopped"');
    } finally {
      await db.drop();
    }
  });

  it('a database it cannot reach: the error from the worker thread keeps its code, exit 2, one line naming the database', () => {
    const r = runCli(['--db', 'postgresql://postgres@127.0.0.1:1/nowhere', 'worker', '--brokers', UNREACHABLE, '--metrics-port', '0']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim()).toMatch(/^signal-ledger: database unavailable: cannot connect to PostgreSQL at postgresql:\/\/postgres@127\.0\.0\.1:1\/nowhere \(connect ECONNREFUSED 127\.0\.0\.1:1\)$/);
  });

  it('a second SIGTERM while the first waits for the database (its checkpoints held by a table lock) exits at once with 130', async () => {
    const db = await createTestDatabase('postgresql');
    const holder = await openStore({ dbUrl: db.url }); // creates the schema, then holds a lock on the checkpoints
    let lock: HeldTableLock | undefined;
    try {
      lock = await holdTableLock(holder, 'consumer_checkpoints');
      const worker = startCli(['--db', db.url, 'worker', '--brokers', UNREACHABLE, '--metrics-port', '0'], { env: { LOG_LEVEL: 'info' }, killAfterMs: 60_000 });
      await lock.untilWaited(() => worker.output);
      const { ranAfterFirst, exit, msAfterSecond } = await sigtermTwice(worker);
      expect(ranAfterFirst, worker.output).toBe(true);
      expect(exit.code, worker.output).toBe(130);
      expect(msAfterSecond).toBeLessThan(2_000);
      expect(worker.stderr).toContain('signal-ledger worker: second SIGTERM: exiting at once; the slice in hand is not committed and will be read again');
    } finally {
      await lock?.release();
      await holder.close();
      await db.drop();
    }
  });
});
