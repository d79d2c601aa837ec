import type { QueryRunner } from './bulk-sql.ts';
import type { Store } from './store.ts';

/**
 * Runs reads that must agree with each other in one snapshot: a repeatable-read transaction on PostgreSQL (each
 * statement of a read-committed one sees what committed before it), a read transaction on SQLite (WAL).
 */
export async function withSnapshot<T>(store: Store, fn: (trx: QueryRunner) => Promise<T>): Promise<T> {
  const tx = store.em().getConnection().getClient().transaction();
  return (store.dialect === 'postgresql' ? tx.setIsolationLevel('repeatable read') : tx).execute(fn);
}
