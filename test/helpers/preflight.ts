import type { TestProject } from 'vitest/node';
import { adminUrl, checkPostgres } from './databases.ts';
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
  const problem = await checkPostgres();
  if (problem) {
    throw new Error(
      `PostgreSQL is not reachable at ${adminUrl()} (${problem}). The PostgreSQL suite does not skip: start it with\n` +
        `  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n` +
        `or point TEST_POSTGRES_URL at a server where the user may create databases.`,
    );
  }
  const broker = await findTestBroker();
  process.stderr.write(`worker tests use Kafka from ${broker.how}\n`);
  project.provide('kafkaBrokers', broker.brokers);
  return () => broker.release();
}
