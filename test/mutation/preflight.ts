import type { TestProject } from 'vitest/node';
import { requirePostgres } from '../helpers/databases.ts';

/**
 * Fails the mutation run at once, with the command to fix it, when PostgreSQL is not there. The CLI pass
 * finds its Kafka broker in Stryker's own process (stryker.cli.config.mjs) and hands it on in KAFKA_BROKERS;
 * the other passes need none.
 */
export default async function preflight(project: TestProject): Promise<void> {
  await requirePostgres();
  if (process.env.KAFKA_BROKERS) project.provide('kafkaBrokers', process.env.KAFKA_BROKERS);
}
