import type { TestProject } from 'vitest/node';
import { requirePostgres } from './databases.ts';
import { findTestBroker } from './kafka-broker.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** host:port list of the Kafka broker the worker tests use */
    kafkaBrokers: string;
  }
}

/**
 * Fails the whole run, with the command to fix it, when PostgreSQL or a Kafka broker is not there:
 * their tests never skip. Finds (or starts) the broker once for the run and stops what it started.
 */
export default async function preflight(project: TestProject): Promise<() => Promise<void>> {
  await requirePostgres();
  const broker = await findTestBroker();
  process.stderr.write(`worker tests use Kafka from ${broker.how}\n`);
  project.provide('kafkaBrokers', broker.brokers);
  return () => broker.release();
}
