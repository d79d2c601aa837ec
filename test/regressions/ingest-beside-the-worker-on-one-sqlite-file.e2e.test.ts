// Regression: an ingest into the SQLite file a running worker writes failed within seconds with
// "database is locked": each batch's transaction began as a reader and then asked to become the writer,
// which SQLite refuses at once instead of waiting for busy_timeout. Transactions now begin immediate.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { listRecords, runCli, runCliAsync, startCli } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';
import { createTestTopics, sleep, testKafkaConfig, waitUntilCaughtUp } from '../helpers/worker.ts';

const work = scratchDir('ingest-beside-worker');

/** The records of a database without their two wall-clock columns. */
const records = (db: string) => listRecords(`sqlite:///${db}`, work);

describe('an ingest beside the worker on one SQLite file', () => {
  it('both write the file, waiting for each other, and the records are those of the two streams applied one after the other', async () => {
    const file = path.join(work, 'ledger.db');
    const config = testKafkaConfig(`sqlite:///${file}`);
    await createTestTopics(config, 3);
    // the worker's stream: generate --produce to this test's topics; the same lines as a file for the reference
    const produced = runCli(['generate', '--signals', '4000', '--seed', '5', '--produce'], { cwd: work, env: config.env });
    expect(produced.code, produced.stderr).toBe(0);
    expect(runCli(['generate', '--signals', '4000', '--seed', '5', '-o', 'worker-stream.ndjson'], { cwd: work }).code).toBe(0);
    // the ingest's file: other signals
    expect(runCli(['generate', '--signals', '4000', '--seed', '6', '-o', 'ingest.ndjson'], { cwd: work }).code).toBe(0);
    writeFileSync(path.join(work, 'ingest.ndjson'), readFileSync(path.join(work, 'ingest.ndjson'), 'utf8').replaceAll('sig-', 'file-sig-'));

    const worker = startCli(['worker', '--metrics-port', '0', '--max-batch', '200'], { cwd: work, env: config.env });
    try {
      await sleep(1_000);
      const ingest = await runCliAsync(['--db', `sqlite:///${file}`, 'ingest', 'ingest.ndjson', '--json', '--batch-size', '20'], { cwd: work });
      expect(ingest.code, ingest.stderr).toBe(0);
      expect(ingest.stderr).not.toMatch(/locked|busy/i);
      const store = await openStore({ dbUrl: `sqlite:///${file}` });
      try {
        await Promise.race([waitUntilCaughtUp(store, config, config.groupId, 90_000), worker.exited.then(({ code }) => Promise.reject(new Error(`the worker exited with code ${code}: ${worker.stderr}`)))]);
      } finally {
        await store.close();
      }
      worker.kill('SIGTERM');
      expect((await worker.exited).code, worker.stderr).toBe(0);
      expect(worker.stderr).not.toMatch(/locked|busy/i);
    } finally {
      worker.kill('SIGKILL');
    }
    for (const f of ['worker-stream.ndjson', 'ingest.ndjson']) expect(runCli(['--db', 'sqlite:///reference.db', 'ingest', f, '--json'], { cwd: work }).code).toBe(0);
    const expected = records('reference.db');
    expect(expected.length).toBeGreaterThan(7900);
    expect(records('ledger.db')).toEqual(expected);
  });
});
