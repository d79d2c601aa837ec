import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The worker's Prometheus metrics, in their own registry. */
export interface WorkerMetrics {
  registry: Registry;
  consumed: Counter<'topic'>;
  applied: Counter<'topic'>;
  duplicates: Counter<'topic'>;
  deadLettered: Counter<'topic'>;
  batchSeconds: Histogram;
  lag: Gauge<'topic' | 'partition'>;
  lagSeconds: Gauge<'topic' | 'partition'>;
  lastApplied: Gauge;
  dbRetries: Counter;
  signalWrites: Counter;
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) => new Counter<L>({ name, help, labelNames, registers: [registry] });
  return {
    registry,
    consumed: counter('ledger_events_consumed_total', 'messages read from Kafka', ['topic']),
    applied: counter('ledger_events_applied_total', 'new distinct events written to the audit trail and folded into their signals', ['topic']),
    duplicates: counter('ledger_events_duplicate_total', 'messages whose event_id was already recorded with the same content', ['topic']),
    deadLettered: counter('ledger_events_dead_lettered_total', 'messages recorded as dead letters', ['topic']),
    batchSeconds: new Histogram({
      name: 'ledger_batch_apply_seconds',
      help: 'time to apply one batch in one database transaction, retries included',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    lag: new Gauge({ name: 'ledger_consumer_lag', help: 'messages of the partition not applied yet: its end offset less the next offset the store holds (sampled every few seconds)', labelNames: ['topic', 'partition'], registers: [registry] }),
    lagSeconds: new Gauge({
      name: 'ledger_consumer_lag_seconds',
      help: 'age of the oldest message of the partition not applied yet, from its produce time; 0 when caught up (sampled every few seconds)',
      labelNames: ['topic', 'partition'],
      registers: [registry],
    }),
    lastApplied: new Gauge({ name: 'ledger_last_applied_timestamp_seconds', help: 'Unix time at which the worker last committed a slice to the database (its start, until its first slice)', registers: [registry] }),
    dbRetries: new Counter({ name: 'ledger_db_retries_total', help: 'batch applies retried because the database was unavailable', registers: [registry] }),
    signalWrites: new Counter({ name: 'ledger_signal_writes_total', help: 'signal records inserted or updated (a signal whose events arrive in one transaction is written once)', registers: [registry] }),
  };
}
