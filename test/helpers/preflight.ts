import { adminUrl, checkPostgres } from './databases.ts';

/** Fails the whole run, with the command to fix it, when PostgreSQL is not reachable: its tests never skip. */
export default async function preflight(): Promise<void> {
  const problem = await checkPostgres();
  if (problem) {
    throw new Error(
      `PostgreSQL is not reachable at ${adminUrl()} (${problem}). The PostgreSQL suite does not skip: start it with\n` +
        `  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n` +
        `or point TEST_POSTGRES_URL at a server where the user may create databases.`,
    );
  }
}
