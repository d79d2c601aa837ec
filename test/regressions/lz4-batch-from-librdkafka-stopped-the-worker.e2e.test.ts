// Regression: kafkajs ships only a gzip codec. The worker's first fetch of a topic holding lz4 batches
// from a librdkafka producer failed with "KafkaJSNotImplemented: LZ4 compression not implemented", and
// the worker stopped for good. Now createKafka registers the codecs in the worker thread's kafkajs.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { openStore } from '../../src/store/index.ts';
import { createTestDatabase, withTestStore } from '../helpers/databases.ts';
import { deleteTestTopics, ensureKafkaClients, onTestTopics, publishWithKcat } from '../helpers/kafka-clients.ts';
import { createTestTopics, testKafkaConfig, topicsOf, waitUntilCaughtUp } from '../helpers/worker.ts';
import { applyAll, snapshot, toMessages } from '../helpers/workload.ts';

const main = path.join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

describe('lz4 batches from librdkafka (kcat -z lz4)', () => {
  it('signal-ledger worker (kafkajs in its worker thread) applies them all and keeps running, instead of stopping with KafkaJSNotImplemented', async () => {
    ensureKafkaClients();
    const lines = [...generateEvents({ signals: 100, seed: 60 })];
    const expected = await withTestStore('sqlite-memory', async (store) => (await applyAll(store, toMessages(lines)), snapshot(store)));
    const db = await createTestDatabase('postgresql');
    const config = testKafkaConfig(db.url);
    await createTestTopics(config);
    await publishWithKcat(config, onTestTopics(config, lines), 'lz4');
    const worker = spawn(process.execPath, [main, 'worker', '--metrics-port', '0'], { env: { ...process.env, ...config.env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    worker.stdout?.on('data', (d) => (output += String(d)));
    worker.stderr?.on('data', (d) => (output += String(d)));
    const store = await openStore({ dbUrl: db.url });
    try {
      let caughtUp = false;
      const died = exited(worker).then((code) => (caughtUp ? undefined : Promise.reject(new Error(`the worker exited with ${code}: ${output.slice(-3000)}`))));
      const catchingUp = waitUntilCaughtUp(store, config, config.groupId).then(() => void (caughtUp = true));
      // whichever loses the race must not become an unhandled rejection
      died.catch(() => undefined);
      catchingUp.catch(() => undefined);
      await Promise.race([catchingUp, died]);
      expect(await snapshot(store)).toBe(expected);
      expect(worker.exitCode).toBeNull();
      expect(output).not.toContain('KafkaJSNotImplemented');
      worker.kill('SIGTERM');
      expect(await exited(worker)).toBe(0);
    } finally {
      worker.kill('SIGKILL');
      await store.close();
      await deleteTestTopics(config, topicsOf(config));
      await db.drop();
    }
  });
});
