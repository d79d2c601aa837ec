// Regression: an ingest into the SQLite file a running worker writes failed within seconds with
// "database is locked": each batch's transaction began as a reader and then asked to become the writer,
// which SQLite refuses at once instead of waiting for busy_timeout. Transactions now begin immediate.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { createTestTopics, sleep, testKafkaConfig, waitUntilCaughtUp } from '../helpers/worker.ts';
import { CLI_MAIN, runCli, runCliAsync } from './run-cli.ts';

const work = mkdtempSync(path.join(tmpdir(), 'signal-ledger-ingest-beside-worker-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The records of a database without their two wall-clock columns. */
function records(db: string): unknown[] {
  const list = runCli(['--db', `sqlite:///${db}`, 'signals', 'list', '--all', '--limit', '10000', '--json'], { cwd: work });
  expect(list.code, list.stderr).toBe(0);
  return (JSON.parse(list.stdout) as Record<string, unknown>[]).map(({ created_at: _c, updated_at: _u, ...rest }) => rest);
}

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

    let worker: ChildProcess | null = null;
    try {
      worker = spawn(process.execPath, [CLI_MAIN, 'worker', '--metrics-port', '0', '--max-batch', '200'], { cwd: work, env: { ...process.env, ...config.env }, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      worker.stderr?.on('data', (d) => (err += String(d)));
      const exited = new Promise<number | null>((resolve) => worker?.once('exit', resolve));
      await sleep(1_000);
      const ingest = await runCliAsync(['--db', `sqlite:///${file}`, 'ingest', 'ingest.ndjson', '--json', '--batch-size', '20'], { cwd: work });
      expect(ingest.code, ingest.stderr).toBe(0);
      expect(ingest.stderr).not.toMatch(/locked|busy/i);
      const store = await openStore({ dbUrl: `sqlite:///${file}` });
      try {
        await Promise.race([waitUntilCaughtUp(store, config, config.groupId, 90_000), exited.then((code) => Promise.reject(new Error(`the worker exited with code ${code}: ${err}`)))]);
      } finally {
        await store.close();
      }
      worker.kill('SIGTERM');
      expect(await exited, err).toBe(0);
      expect(err).not.toMatch(/locked|busy/i);
    } finally {
      if (worker !== null && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    }
    for (const f of ['worker-stream.ndjson', 'ingest.ndjson']) expect(runCli(['--db', 'sqlite:///reference.db', 'ingest', f, '--json'], { cwd: work }).code).toBe(0);
    const expected = records('reference.db');
    expect(expected.length).toBeGreaterThan(7900);
    expect(records('ledger.db')).toEqual(expected);
  });
});
