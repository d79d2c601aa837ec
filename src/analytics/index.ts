import { openStore, type OpenStoreOptions, type Store } from '../store/index.ts';
import { computeExecutionStats, computeRejectionSummary, type ExecutionStats } from '../store/signal-queries.ts';

export type { ExecutionStats };

/** A half-open window on generated_at. */
export interface AnalyticsWindow {
  from?: Date | string;
  to?: Date | string;
}

/** Read-only queries for reporting jobs: `import { Analytics } from 'signal-ledger/analytics'`. */
export class Analytics {
  readonly store: Store;
  readonly #owned: boolean;

  private constructor(store: Store, owned: boolean) {
    this.store = store;
    this.#owned = owned;
  }

  static async open(options: OpenStoreOptions = {}): Promise<Analytics> {
    return new Analytics(await openStore(options), true);
  }

  static fromStore(store: Store): Analytics {
    return new Analytics(store, false);
  }

  getExecutionStats(window: AnalyticsWindow = {}): Promise<ExecutionStats> {
    return computeExecutionStats(this.store, window.from, window.to);
  }

  getRejectionSummary(window: AnalyticsWindow = {}): Promise<Record<string, number>> {
    return computeRejectionSummary(this.store, window.from, window.to);
  }

  async close(): Promise<void> {
    if (this.#owned) await this.store.close();
  }
}
