import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import type { DatabaseTarget, Dialect } from './database-url.ts';

/** An open database (openStore): MikroORM plus what the apply path and the queries need to know about it. */
export interface Store {
  readonly dialect: Dialect;
  readonly target: DatabaseTarget;
  readonly orm: MikroORM;
  /** a fresh EntityManager for one unit of work */
  em(): EntityManager;
  close(): Promise<void>;
}
