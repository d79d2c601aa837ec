// Events for tests, at two levels: typed events as the contract hands them to the fold (generated, risk,
// ... for given/when/then tests), and message values and NDJSON lines as producers write them.
import type { JsonObject, SignalEvent, SignalDetails } from '../../src/contract/index.ts';

let counter = 0;
const base = (signalId: string, at: string, eventId?: string) => ({
  eventId: eventId ?? `e-${++counter}`,
  signalId,
  occurredAt: at,
  schemaVersion: 1,
  metadata: null,
  origin: 'wire' as const,
  recordFields: null,
});

/** Builders of typed events for given/when/then tests; times are normalized timestamps. */
export const t = (s: string) => `2026-01-05T10:00:${s.padStart(2, '0')}.000000Z`;

export function generated(signalId: string, at: string, details: Partial<SignalDetails> = {}, eventId?: string): SignalEvent {
  return {
    ...base(signalId, at, eventId),
    kind: 'generated',
    details: {
      strategyName: 'momentum',
      symbol: 'AAPL',
      side: 'buy',
      confidence: '0.8',
      sharpeEstimate: '1.5',
      entryPrice: '150',
      stopLoss: '145',
      takeProfit: '160',
      signalType: 'entry',
      qualityScore: null,
      requestedQuantity: '100',
      positionValue: null,
      targetPrice: null,
      expiresAt: null,
      ...details,
    },
  };
}
export function risk(signalId: string, at: string, passed: boolean, reason: string | null = passed ? null : 'max_position', eventId?: string): SignalEvent {
  return { ...base(signalId, at, eventId), kind: 'risk', passed, checks: { limit: passed }, rejectionReason: reason };
}
export function submitted(signalId: string, at: string, orderId = 'o-1', quantity: string | null = '100', eventId?: string): SignalEvent {
  return { ...base(signalId, at, eventId), kind: 'submitted', orderId, quantity, limitPrice: null, broker: null };
}
export function filled(
  signalId: string,
  at: string,
  price: string,
  quantity: string,
  extra: { leaves?: string | null; fillId?: string | null; orderId?: string; fee?: string | null; eventId?: string } = {},
): SignalEvent {
  return {
    ...base(signalId, at, extra.eventId),
    kind: 'filled',
    orderId: extra.orderId ?? 'o-1',
    fillId: extra.fillId ?? null,
    price,
    quantity,
    leavesQuantity: extra.leaves ?? null,
    fee: extra.fee ?? null,
    completes: null,
  };
}
export function outcome(signalId: string, at: string, result: 'cancelled' | 'expired' | 'missed' | 'error', reason: string | null = null, eventId?: string): SignalEvent {
  return { ...base(signalId, at, eventId), kind: 'outcome', outcome: result, reason, orderId: null };
}

/** A valid signal-generated message value; `extra` adds or replaces fields. */
export function generatedValue(signalId: string, extra: JsonObject = {}): JsonObject {
  return {
    signal_id: signalId,
    occurred_at: '2026-01-05T14:30:00.150Z',
    strategy_name: 'momentum',
    symbol: 'AAPL',
    side: 'buy',
    confidence: 0.8,
    sharpe_estimate: 1.5,
    entry_price: '150.25',
    event_id: `${signalId}:generated`,
    ...extra,
  };
}

/** A valid risk-decision message value (passed); `extra` adds or replaces fields. */
export function riskValue(signalId: string, extra: JsonObject = {}): JsonObject {
  return { signal_id: signalId, occurred_at: '2026-01-05T14:30:01Z', passed: true, event_id: `${signalId}:risk`, ...extra };
}

/** One NDJSON line of an exported topic; a string value is put in as the raw text of the value object. */
export function eventLine(topic: string, key: string | null, value: JsonObject | string): string {
  if (typeof value === 'string') return `{"topic":${JSON.stringify(topic)},"key":${JSON.stringify(key)},"value":${value}}`;
  return JSON.stringify({ topic, key, value });
}
