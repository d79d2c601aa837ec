import { requirePostgres } from '../helpers/databases.ts';

/** Fails the mutation run at once, with the command to fix it, when PostgreSQL is not there (no Kafka broker is needed). */
export default async function preflight(): Promise<void> {
  await requirePostgres();
}
