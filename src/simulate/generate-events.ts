import { DEFAULT_TOPICS, type EventKind, type JsonObject } from '../contract/index.ts';

/** One line of an event file, as exported from the topics: `{"topic", "key", "value"}`. */
export interface EventLine {
  topic: string;
  key: string | null;
  value: JsonObject | string;
}

export interface GenerateOptions {
  signals: number;
  /** fraction of extra lines that repeat an earlier line (a redelivery) */
  duplicates?: number;
  /** fraction of lines moved a few positions later (out of order) */
  outOfOrder?: number;
  /** fraction of extra lines that break the contract (dead letters) */
  bad?: number;
  seed?: number;
  /** time of the first signal */
  start?: Date;
  /** average milliseconds between two signals */
  spacingMs?: number;
  topics?: Readonly<Record<EventKind, string>>;
}

/** A small seeded PRNG (mulberry32) so a workload is reproducible from its seed. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRATEGIES = ['mean_reversion', 'momentum', 'pairs_arb', 'breakout', 'vol_carry'];
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOG', 'META', 'TSLA', 'JPM', 'XOM', 'SPY', 'QQQ', 'IWM'];
const BASE_PRICE: Record<string, number> = { AAPL: 190, MSFT: 410, NVDA: 120, AMZN: 180, GOOG: 165, META: 500, TSLA: 240, JPM: 200, XOM: 115, SPY: 560, QQQ: 480, IWM: 210 };
const REJECTIONS = ['max_position_exceeded', 'daily_loss_limit', 'correlation_limit', 'insufficient_liquidity', 'stale_signal'];

/**
 * A realistic, reproducible stream of lifecycle events for `signals` signals: most pass risk and are
 * executed in one to three fills, some are rejected, cancelled, expire or are missed; prices and
 * quantities are sent sometimes as JSON numbers and sometimes as decimal strings; some events carry an
 * event_id, others rely on the derived one.
 */
export function* generateEvents(options: GenerateOptions): Generator<EventLine> {
  const rand = createRandom(options.seed ?? 42);
  const topics = options.topics ?? DEFAULT_TOPICS;
  const start = (options.start ?? new Date('2026-01-05T14:30:00Z')).getTime();
  const spacing = options.spacingMs ?? 250;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const money = (x: number, places: number): number | string => {
    const s = x.toFixed(places);
    return rand() < 0.5 ? s : Number(s);
  };
  const iso = (ms: number) => new Date(ms).toISOString();

  const pending: EventLine[] = [];
  const recent: EventLine[] = [];
  const emit = function* (line: EventLine): Generator<EventLine> {
    recent.push(line);
    if (recent.length > 2_000) recent.shift();
    if (options.outOfOrder && rand() < options.outOfOrder) {
      pending.push(line);
      return;
    }
    yield line;
    if (pending.length > 0 && rand() < 0.5) yield pending.shift() as EventLine;
    if (options.duplicates && rand() < options.duplicates) yield pick(recent);
    if (options.bad && rand() < options.bad) yield badLine(rand, topics);
  };

  for (let i = 0; i < options.signals; i++) {
    const signalId = `sig-${String(i).padStart(8, '0')}`;
    let t = start + i * spacing + Math.floor(rand() * spacing);
    const line = (kind: EventKind, body: JsonObject): EventLine => {
      const value: JsonObject = { signal_id: signalId, occurred_at: iso(t), ...body };
      if (rand() < 0.5) value.event_id = `${signalId}:${kind}:${String(body.fill_id ?? body.outcome ?? '')}`;
      return { topic: topics[kind], key: signalId, value };
    };
    const symbol = pick(SYMBOLS);
    const side = rand() < 0.55 ? 'buy' : 'sell';
    const entry = (BASE_PRICE[symbol] ?? 100) * (0.9 + rand() * 0.2);
    const quantity = (1 + Math.floor(rand() * 20)) * 10;
    const confidence = 0.5 + rand() * 0.5;
    const sharpe = 0.2 + rand() * 2.8;
    const strategy = pick(STRATEGIES);
    const stopLoss = side === 'buy' ? entry * 0.97 : entry * 1.03;
    const takeProfit = side === 'buy' ? entry * 1.05 : entry * 0.95;
    yield* emit(
      line('generated', {
        strategy_name: strategy,
        symbol,
        side,
        confidence: Number(confidence.toFixed(3)),
        sharpe_estimate: Number(sharpe.toFixed(3)),
        entry_price: money(entry, 2),
        stop_loss: money(stopLoss, 2),
        take_profit: money(takeProfit, 2),
        requested_quantity: quantity,
        metadata: { model: `${strategy}-v${1 + Math.floor(rand() * 3)}`, horizon_minutes: 5 + Math.floor(rand() * 120) },
      }),
    );
    if (rand() < 0.03) continue; // never reached the risk engine
    t += 5 + Math.floor(rand() * 200);
    const passed = rand() < 0.82;
    const checks: JsonObject = { position_limit: passed || rand() < 0.5, loss_limit: true, liquidity: passed || rand() < 0.7 };
    yield* emit(line('risk', passed ? { passed, checks } : { passed, checks, rejection_reason: pick(REJECTIONS) }));
    if (!passed) continue;
    t += 10 + Math.floor(rand() * 500);
    if (rand() < 0.05) {
      yield* emit(line('outcome', { outcome: pick(['missed', 'expired'] as const), reason: 'market moved before submission' }));
      continue;
    }
    const orderId = `ord-${i}`;
    yield* emit(line('submitted', { order_id: orderId, quantity, limit_price: money(entry * (side === 'buy' ? 1.002 : 0.998), 2), broker: 'ibkr' }));
    const fate = rand();
    const fills = fate < 0.8 ? 1 + Math.floor(rand() * 3) : fate < 0.9 ? 1 : 0;
    let left = quantity;
    for (let f = 0; f < fills; f++) {
      t += 20 + Math.floor(rand() * 2_000);
      const last = f === fills - 1 && fate < 0.8;
      const q = last ? left : Math.max(1, Math.floor(left / (fills - f + (fate < 0.8 ? 0 : 1))));
      left -= q;
      const slip = (rand() - 0.35) * entry * 0.002;
      const price = side === 'buy' ? entry + slip : entry - slip;
      yield* emit(
        line('filled', {
          order_id: orderId,
          fill_id: `${orderId}-f${f}`,
          price: money(price, 4),
          quantity: q,
          leaves_quantity: left,
          fee: money(q * 0.005, 4),
        }),
      );
    }
    if (fate >= 0.8) {
      t += 1_000 + Math.floor(rand() * 60_000);
      yield* emit(line('outcome', { outcome: fate < 0.95 ? 'cancelled' : 'expired', reason: 'order not filled in time', order_id: orderId }));
    }
  }
  while (pending.length > 0) yield pending.shift() as EventLine;
}

function badLine(rand: () => number, topics: Readonly<Record<EventKind, string>>): EventLine {
  const n = Math.floor(rand() * 5);
  switch (n) {
    case 0:
      return { topic: topics.generated, key: null, value: '{"signal_id": "broken", ' };
    case 1:
      return { topic: topics.filled, key: 'sig-x', value: { signal_id: 'sig-x', occurred_at: '2026-01-05T14:30:00Z', order_id: 'o', price: -5, quantity: 1 } };
    case 2:
      return { topic: topics.risk, key: 'sig-y', value: { signal_id: 'sig-y', occurred_at: 'yesterday', passed: false } };
    case 3:
      return { topic: topics.generated, key: 'sig-z', value: { signal_id: 'sig-z', occurred_at: '2026-01-05T14:30:00Z', schema_version: 9 } };
    default:
      return { topic: topics.outcome, key: 'sig-w', value: { signal_id: 'sig-w', occurred_at: '2026-01-05T14:30:00Z', outcome: 'vanished' } };
  }
}
