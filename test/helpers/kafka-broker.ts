import { spawnSync } from 'node:child_process';

/** A broker the tests can use, and how to let it go. */
export interface TestBroker {
  brokers: string;
  how: string;
  release(): Promise<void>;
}

const dockerEngineRuns = () => spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 }).status === 0;

/**
 * Finds a Kafka broker in this order: KAFKA_BROKERS if set; a testcontainers broker if a Docker engine
 * runs; else the project's own jar-based KRaft broker on 127.0.0.1 (scripts/kafka-local.ts). Throws
 * with what to do when none can start: broker tests never skip.
 */
export async function findTestBroker(): Promise<TestBroker> {
  const given = process.env.KAFKA_BROKERS;
  if (given) return { brokers: given, how: `KAFKA_BROKERS=${given}`, release: async () => {} };
  if (dockerEngineRuns()) {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const container = await new KafkaContainer('confluentinc/cp-kafka:7.9.1').withKraft().start();
    return { brokers: `${container.getHost()}:${container.getMappedPort(9093)}`, how: 'testcontainers', release: async () => void (await container.stop()) };
  }
  const { portAnswers, startLocalKafka, stopLocalKafka } = await import('../../scripts/kafka-local.ts');
  const port = Number(process.env.TEST_KAFKA_PORT ?? 19092);
  const wasRunning = await portAnswers(port);
  try {
    const broker = await startLocalKafka({ port });
    return { brokers: broker.brokers, how: wasRunning ? `the broker already on ${broker.brokers}` : `Apache Kafka jars on ${broker.brokers}`, release: async () => (wasRunning ? undefined : stopLocalKafka({ port })) };
  } catch (error) {
    throw new Error(
      `No Kafka broker for the worker tests: KAFKA_BROKERS is not set, no Docker engine runs, and the jar-based broker did not start ` +
        `(${(error as Error).message}). Java 17 and Maven are needed to fetch and run it (npm run kafka:up shows the details).`,
    );
  }
}
