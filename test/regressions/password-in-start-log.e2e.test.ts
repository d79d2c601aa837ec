// Regression: the worker's start log line printed the database URL through a regular expression that
// stopped at the first "@": a password holding "@" showed its tail, and one given as ?password= showed
// whole.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('postgresql');
});
afterAll(async () => db?.drop());

/** The test database's URL with a password written in one of the forms (the server trusts local users and ignores it). */
function withPassword(form: 'raw-at' | 'query'): string {
  const url = new URL(db.url);
  if (form === 'query') return `${url.toString()}?password=Sw2query`;
  return url.toString().replace('postgresql://postgres@', 'postgresql://postgres:Sw1a@Sw1b@');
}

/** Starts the worker, waits for its start line (or its exit), stops it, and returns all it wrote. */
async function workerOutput(dbUrl: string): Promise<string> {
  // an unreachable broker: the start line comes before the first connection to Kafka
  const worker = startCli(['--db', dbUrl, 'worker', '--metrics-port', '0', '--brokers', '127.0.0.1:9'], { env: { LOG_LEVEL: 'info' }, killAfterMs: 60_000 });
  await worker.outputIncludes('worker starting');
  worker.kill('SIGTERM');
  await worker.exited;
  return worker.output;
}

describe('the worker start log line', () => {
  it.each([
    ['with a raw "@" in it', 'raw-at'],
    ['given as ?password=', 'query'],
  ] as const)('with a password %s, names the database with *** and never the password', async (_name, form) => {
    const out = await workerOutput(withPassword(form));
    const start = out.split('\n').find((line) => line.includes('worker starting'));
    expect(start, out).toBeDefined();
    expect(JSON.parse(start as string).database).toMatch(/^postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:5432\/sl_test_/);
    expect(out).not.toMatch(/Sw1|Sw2/);
  });
});
