// `signal-ledger worker` as far as it goes without a broker (an unreachable one: the worker keeps trying to
// reach it until stopped): its start line, where /metrics answers, a stop by SIGINT (a metrics address it cannot
// listen on: test/regressions/metrics-port-taken-exited-1.e2e.test.ts). What it does with a broker is tested in test/worker/ (create-worker.e2e, .poison.e2e).
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.ts';
import { createTestDatabase } from '../helpers/databases.ts';

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
});
