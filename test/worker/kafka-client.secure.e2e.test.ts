// The settings of a secured cluster, tested for real (kafka-client.ts builds the client from them): a broker of its
// own (test/helpers/secure-kafka.ts) with a SASL_SSL listener, SCRAM-SHA-512 over TLS as managed clusters require,
// and a CA made for the run. `topics create`, the worker and `replay` run as the built command line with
// KAFKA_SSL_CA and KAFKA_SASL_* in their environment and do their job; a wrong password and a broker certificate
// that the CA given did not sign each end the command with one line naming the setting, at once; and no secret
// (the password, a private key) is in anything they write, at LOG_LEVEL=debug.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKafkaConfig } from '../../src/config.ts';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { openStore } from '../../src/store/index.ts';
import { createKafka } from '../../src/worker/index.ts';
import { runCliAsync, startCli } from '../helpers/cli.ts';
import { createTestDatabase } from '../helpers/databases.ts';
import { type SecureBroker, startSecureBroker } from '../helpers/secure-kafka.ts';
import { produce, quietLogger, topicsOf, waitUntilCaughtUp } from '../helpers/worker.ts';
import { expectLedger, recordsOf } from '../helpers/workload.ts';

let broker: SecureBroker;
beforeAll(async () => {
  broker = await startSecureBroker();
}, 180_000);
afterAll(async () => broker?.release());

/** The secure settings with a topic prefix and group of the test's own, logging everything. */
function secureEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const id = randomBytes(4).toString('hex');
  return broker.env({ KAFKA_TOPIC_PREFIX: `s${id}.`, KAFKA_GROUP_ID: `g${id}`, LOG_LEVEL: 'debug', ...overrides });
}

/** Fails when a secret of the run (the password, a line of a private key) or any of `more` is in `text`. */
function expectNoSecret(text: string, more: readonly string[] = []): void {
  const found = [...broker.secrets(), ...more].filter((secret) => text.includes(secret));
  expect(found, `secrets in:\n${text}`).toEqual([]);
}

const COMMANDS = [
  ['topics create', ['topics', 'create']],
  ['worker', ['worker', '--metrics-port', '0']],
  ['replay', ['replay', '--json']],
] as const;

describe('the Kafka commands through a SASL_SSL listener (SCRAM-SHA-512, the test\'s CA)', () => {
  it('the broker has a SASL_SSL listener beside its PLAINTEXT one, and its log says it started', () => {
    expect(broker.brokers).not.toBe(broker.plaintextBrokers);
    expect(readFileSync(broker.log, 'utf8')).toMatch(/INFO \[KafkaRaftServer nodeId=1\] Kafka Server started/);
  });

  it('topics create makes the five topics through it', async () => {
    const env = secureEnv();
    const r = await runCliAsync(['topics', 'create', '--partitions', '2'], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const config = loadKafkaConfig({}, env);
    expect(r.stdout).toBe(topicsOf(config).map((t) => `${t}: created with 2 partitions\n`).join(''));
    // the topics are there, as a client through the same listener sees them
    const admin = createKafka(config.kafka, quietLogger()).admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: topicsOf(config) });
      expect(topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual(topicsOf(config).map((t) => [t, 2]).sort());
    } finally {
      await admin.disconnect();
    }
    expectNoSecret(r.stdout + r.stderr);
  });

  it('the worker applies events produced through it into PostgreSQL, with a client certificate, and replay reads them into another database', async () => {
    const lines = [...generateEvents({ signals: 60, duplicates: 0.1, outOfOrder: 0.1, bad: 0.05, seed: 15 })];
    const { clientCert, clientKey } = broker.certificates;
    const env = secureEnv({ KAFKA_SSL_CERT: clientCert, KAFKA_SSL_KEY: clientKey });
    const config = loadKafkaConfig({}, env);
    const workerDb = await createTestDatabase('postgresql');
    const replayDb = await createTestDatabase('postgresql');
    const workerStore = await openStore({ dbUrl: workerDb.url });
    try {
      const topics = await runCliAsync(['topics', 'create', '--partitions', '2'], { env });
      expect(topics.code, topics.stderr).toBe(0);
      const published = await produce(config, lines);
      const worker = startCli(['worker', '--metrics-port', '0'], { env: { ...env, DATABASE_URL: workerDb.url }, killAfterMs: 120_000 });
      try {
        await Promise.race([
          waitUntilCaughtUp(workerStore, config, config.groupId, 60_000),
          worker.exited.then(({ code, signal }) => {
            throw new Error(`the worker exited (${code ?? signal}) before it caught up:\n${worker.output}`);
          }),
        ]);
        worker.kill('SIGTERM');
        expect((await worker.exited).code, worker.output).toBe(0);
      } finally {
        worker.kill('SIGKILL');
      }
      expect(worker.stderr).toBe('');
      expect(worker.stdout).toContain('"msg":"worker consuming"');
      await expectLedger(workerStore, await recordsOf(lines));

      const replay = await runCliAsync(['replay', '--json'], { env: { ...env, DATABASE_URL: replayDb.url } });
      expect(replay.code, replay.stderr).toBe(0);
      expect(JSON.parse(replay.stdout)).toMatchObject({ messages: published, consumed: published });
      const replayStore = await openStore({ dbUrl: replayDb.url });
      try {
        await expectLedger(replayStore, await recordsOf(lines));
      } finally {
        await replayStore.close();
      }
      // LOG_LEVEL=debug: the worker logged a lot, and none of it is a secret
      expect(worker.stdout.split('\n').filter((l) => l.includes('"level":20')).length).toBeGreaterThan(0);
      expectNoSecret(worker.output + topics.stdout + topics.stderr + replay.stdout + replay.stderr);
    } finally {
      await workerStore.close();
      await workerDb.drop();
      await replayDb.drop();
    }
  });

  /**
   * Runs a command that must fail, at LOG_LEVEL=info and at debug: the line it writes on stderr besides log lines
   * (replay logs on stderr; at info there is none), its exit code and time; and checks no secret is in its output.
   */
  async function refused(args: readonly string[], env: Record<string, string>, more: readonly string[] = []) {
    const db = await createTestDatabase('sqlite-file');
    try {
      const runs = [];
      for (const level of ['info', 'debug']) {
        const started = Date.now();
        const r = await runCliAsync(args, { env: secureEnv({ ...env, LOG_LEVEL: level, DATABASE_URL: db.url }), timeoutMs: 60_000 });
        const seconds = (Date.now() - started) / 1000;
        expectNoSecret(r.stdout + r.stderr, more);
        const lines = r.stderr.split('\n');
        runs.push({ level, code: r.code, seconds, stderr: level === 'info' ? lines : lines.filter((l) => !l.startsWith('{"level":')) });
      }
      return runs;
    } finally {
      await db.drop();
    }
  }

  it.each(COMMANDS)('a wrong password: %s writes one line naming KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD on stderr and exits 2 within 30 s, the password nowhere', async (_name, args) => {
    const wrong = randomBytes(18).toString('base64url');
    const line = new RegExp(
      `^signal-ledger: KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD: ${broker.brokers} refused the SASL login of user "${broker.user}" \\(SCRAM-SHA-512\\): .*invalid credentials.*; check the user name and password$`,
    );
    for (const run of await refused(args, { KAFKA_SASL_PASSWORD: wrong }, [wrong])) {
      expect(run, JSON.stringify(run)).toMatchObject({ code: 2, stderr: [expect.stringMatching(line), ''] });
      expect(run.seconds).toBeLessThan(30);
    }
  });

  it.each(COMMANDS)('a broker certificate that KAFKA_SSL_CA did not sign: %s writes one line naming KAFKA_SSL_CA on stderr and exits 2 within 30 s', async (_name, args) => {
    const line = `signal-ledger: KAFKA_SSL_CA: the TLS certificate of ${broker.brokers} was refused (self-signed certificate in certificate chain [SELF_SIGNED_CERT_IN_CHAIN]): it must be signed by the CA in KAFKA_SSL_CA`;
    for (const run of await refused(args, { KAFKA_SSL_CA: broker.certificates.otherCa })) {
      expect(run, JSON.stringify(run)).toMatchObject({ code: 2, stderr: [line, ''] });
      expect(run.seconds).toBeLessThan(30);
    }
  });
});
