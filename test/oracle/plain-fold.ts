/**
 * plainFold: a second, deliberately plain implementation of how a signal's record follows from the set of
 * its events, written from the documents (the contract's section 3, docs/decisions.md, "Choices where the
 * contract is silent"), not from src/fold. It is a test oracle: tests hold foldSignal and the stored
 * records equal to it, so a wrong fold no longer agrees with itself everywhere.
 *
 * Rules of this file:
 * - It MUST NOT import anything from src/fold (not even types), nor decimal.js: its decimals are BigInt
 *   scaled integers written below. It imports types from src/contract only. A guard test in
 *   test/fold/fold-signal.oracle.property.unit.test.ts fails when that changes.
 * - No merge, no state: keep the distinct events, sort them by time and then event id, pick the deciding
 *   event of each rule, compute. Obvious over fast.
 *
 * Where the documents are silent, the choice taken is marked "SILENT:" below; the report of issue 13 lists
 * them. acceptedEventsBySignal, at the end, is the same kind of plain rule for which messages a store
 * records (test/helpers/workload.ts recordsOf uses both for the records the worker tests expect).
 */
import type {
  JsonObject,
  OrderFilled,
  OrderSubmitted,
  ParsedMessage,
  RecordFieldOverrides,
  RiskDecision,
  SignalEvent,
  SignalGenerated,
  SignalOutcome,
} from '../../src/contract/index.ts';

// ---- decimals: a canonical decimal string <-> BigInt units at a scale ---------------------------------

interface Dec {
  units: bigint;
  scale: number;
}

function dec(text: string): Dec {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (m === null) throw new Error(`plainFold: not a plain decimal: ${JSON.stringify(text)}`);
  const frac = m[3] ?? '';
  const units = BigInt(`${m[2]}${frac}`);
  return { units: m[1] === '-' ? -units : units, scale: frac.length };
}

const TEN = 10n;
const pow10 = (n: number): bigint => TEN ** BigInt(n);

/** The units of `d` at a scale at least its own. */
const at = (d: Dec, scale: number): bigint => d.units * pow10(scale - d.scale);

/** Writes units at a scale as a decimal string with exactly `scale` places (never "-0"). */
function write(units: bigint, scale: number): string {
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

/** Drops trailing zero places while more than `minScale` remain. */
function trim(units: bigint, scale: number, minScale: number): string {
  let u = units;
  let s = scale;
  while (s > minScale && u % TEN === 0n) {
    u /= TEN;
    s--;
  }
  return write(u, s);
}

/** num / den rounded to an integer, half to even (banker's rounding). */
function divideHalfEven(num: bigint, den: bigint): bigint {
  if (den === 0n) throw new RangeError('plainFold: division by zero');
  let n = num;
  let d = den;
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  let q = n / d; // truncates toward zero
  const r = n - q * d;
  const twice = 2n * (r < 0n ? -r : r);
  if (twice > d || (twice === d && q % 2n !== 0n)) q += n < 0n ? -1n : 1n;
  return q;
}

/** a / b as units at `scale` places, rounded half to even. */
function quotient(a: Dec, b: Dec, scale: number): bigint {
  // (a.units / 10^a.scale) / (b.units / 10^b.scale) * 10^scale
  return divideHalfEven(a.units * pow10(b.scale + scale), b.units * pow10(a.scale));
}

function sum(values: readonly string[]): Dec {
  const ds = values.map(dec);
  const scale = Math.max(0, ...ds.map((d) => d.scale));
  return { units: ds.reduce((acc, d) => acc + at(d, scale), 0n), scale };
}

function compare(a: Dec, b: Dec): number {
  const scale = Math.max(a.scale, b.scale);
  const x = at(a, scale);
  const y = at(b, scale);
  return x === y ? 0 : x < y ? -1 : 1;
}

const isZero = (text: string): boolean => dec(text).units === 0n;

// ---- the record ---------------------------------------------------------------------------------------

/** The anomaly notes, in the order docs/decisions.md lists them (it calls the record's list "sorted"). */
export const PLAIN_ANOMALIES = [
  'duplicate_details',
  'fill_after_rejection',
  'fill_without_submission',
  'submission_after_rejection',
  'conflicting_fill',
  'outcome_after_completion',
  'overfilled_order',
] as const;
export type PlainAnomaly = (typeof PLAIN_ANOMALIES)[number];

export type PlainStatus = 'generated' | 'passed_risk' | 'rejected' | 'submitted' | 'executed' | 'partially_filled' | 'cancelled' | 'expired' | 'missed' | 'error';

/** The derived record fields (the shape of src/fold's SignalFacts, written out again here). */
export interface PlainFacts {
  signalId: string;
  strategyName: string | null;
  symbol: string | null;
  signalType: string | null;
  direction: 'BUY' | 'SELL' | null;
  strength: string | null;
  qualityScore: string | null;
  requestedQuantity: string | null;
  positionValue: string | null;
  targetPrice: string | null;
  signalPrice: string | null;
  signalMetadata: JsonObject | null;
  sharpeEstimate: string | null;
  stopLoss: string | null;
  takeProfit: string | null;
  expiresAt: string | null;
  generatedAt: string | null;
  processedAt: string | null;
  executedAt: string | null;
  firstFillAt: string | null;
  riskCheckedAt: string | null;
  submittedAt: string | null;
  closedAt: string | null;
  firstEventAt: string;
  status: PlainStatus;
  rejectionReason: string | null;
  riskCheckPassed: boolean | null;
  riskCheckDetails: JsonObject | null;
  orderId: string | null;
  orderQuantity: string | null;
  executedPrice: string | null;
  executedQuantity: string | null;
  fees: string | null;
  slippage: string | null;
  slippageBps: string | null;
  outcomeReason: string | null;
  anomalies: PlainAnomaly[];
}

/** Fields an API call may set on the record directly; the latest call setting a field wins. */
const API_FIELDS = ['signalType', 'requestedQuantity', 'positionValue', 'targetPrice', 'qualityScore', 'signalMetadata'] as const satisfies readonly (keyof RecordFieldOverrides)[];

/** Places of a volume-weighted average price that does not terminate (docs/decisions.md: "at most 10 places"). */
const VWAP_PLACES = 10;
/** Places of slippage in basis points (docs/decisions.md: "at most 4 places"). */
const BPS_PLACES = 4;
/** Places of a computed decimal (docs/decisions.md: decimals have at most 12 places). */
const MAX_PLACES = 12;

/** Event time order: occurred_at (normalized UTC text, so text order is time order), then event_id. */
const byTimeThenId = (a: SignalEvent, b: SignalEvent): number =>
  a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;

const last = <T>(xs: readonly T[]): T | null => (xs.length === 0 ? null : (xs[xs.length - 1] as T));

/** One fill as the record counts it: the report kept for it (the later), and whether its reports disagree. */
interface Fill {
  report: OrderFilled;
  conflict: boolean;
}

/** What makes two reports of one fill "different reports" (SILENT: their time and metadata do not). */
const reportContent = (f: OrderFilled): (string | boolean | null)[] => [f.price, f.quantity, f.leavesQuantity, f.fee, f.completes];

/**
 * The record of one signal from the set of its events (contract section 3). Throws when given no events
 * or events of several signals.
 */
export function plainFold(events: readonly SignalEvent[]): PlainFacts {
  const signalId = events[0]?.signalId;
  if (signalId === undefined) throw new RangeError('plainFold needs at least one event');
  if (events.some((e) => e.signalId !== signalId)) throw new RangeError('plainFold: events of several signals');

  // The SET of distinct events: one per event_id.
  const distinct = new Map<string, SignalEvent>();
  for (const e of events) if (!distinct.has(e.eventId)) distinct.set(e.eventId, e);
  // Oldest first; equal times by event_id.
  const sorted = [...distinct.values()].sort(byTimeThenId);

  const generatedEvents = sorted.filter((e): e is SignalGenerated => e.kind === 'generated');
  const riskEvents = sorted.filter((e): e is RiskDecision => e.kind === 'risk');
  const submissions = sorted.filter((e): e is OrderSubmitted => e.kind === 'submitted');
  const fillReports = sorted.filter((e): e is OrderFilled => e.kind === 'filled');
  const outcomes = sorted.filter((e): e is SignalOutcome => e.kind === 'outcome');

  // details: the earliest signal-generated event, ties by the smallest event_id (the first in sorted order)
  const detailsEvent = generatedEvents[0] ?? null;
  const d = detailsEvent?.details ?? null;

  // risk: the latest decision; at the latest time a rejection wins; then the largest event_id
  const latestRiskAt = last(riskEvents)?.occurredAt;
  const risksAtLatestTime = riskEvents.filter((r) => r.occurredAt === latestRiskAt);
  const rejectionsAtLatestTime = risksAtLatestTime.filter((r) => !r.passed);
  const risk = last(rejectionsAtLatestTime.length > 0 ? rejectionsAtLatestTime : risksAtLatestTime);

  // submission and outcome: the latest, ties by the largest event_id (the last in sorted order)
  const submission = last(submissions);
  const outcome = last(outcomes);

  // fields set through the API: per field, the latest event setting it, ties by the largest event_id
  const apiValue = <F extends (typeof API_FIELDS)[number]>(field: F): RecordFieldOverrides[F] | undefined => {
    const setters = sorted.filter((e) => e.recordFields != null && e.recordFields[field] !== undefined);
    return last(setters)?.recordFields?.[field];
  };

  // fills: distinct by order_id + fill_id, by event when fill_id is absent; every execution recorded
  // through the API is one cumulative execution (the latest call winning, never a conflict)
  const reportsByFill = new Map<string, OrderFilled[]>();
  for (const f of fillReports) {
    const identity = f.origin === 'api' ? 'api' : f.fillId !== null ? JSON.stringify(['fill', f.orderId, f.fillId]) : JSON.stringify(['event', f.eventId]);
    reportsByFill.set(identity, [...(reportsByFill.get(identity) ?? []), f]);
  }
  const fills: Fill[] = [];
  for (const [identity, reports] of reportsByFill) {
    const first = JSON.stringify(reportContent(reports[0] as OrderFilled));
    const differ = reports.some((r) => JSON.stringify(reportContent(r)) !== first);
    fills.push({ report: last(reports) as OrderFilled, conflict: identity !== 'api' && differ });
  }
  const apiExecution = fills.find((f) => f.report.origin === 'api')?.report ?? null;

  // quantities. SILENT: an API execution's quantity adds to the wire fills' like any other fill
  const quantities = fills.flatMap((f) => (f.report.quantity === null ? [] : [f.report.quantity]));
  const executedQuantity = quantities.length > 0 ? sum(quantities) : null;
  const requestedQuantity = apiValue('requestedQuantity') ?? d?.requestedQuantity ?? null;
  const orderQuantity = submission?.quantity ?? requestedQuantity;

  const complete =
    fills.some((f) => f.report.leavesQuantity !== null && isZero(f.report.leavesQuantity)) ||
    (executedQuantity !== null && orderQuantity !== null && compare(executedQuantity, dec(orderQuantity)) >= 0) ||
    apiExecution?.completes === true;

  // status: the first rule that holds
  let status: PlainStatus;
  if (complete) status = 'executed';
  else if (outcome !== null) status = outcome.outcome;
  else if (fills.length > 0) status = 'partially_filled';
  else if (risk !== null && !risk.passed) status = 'rejected';
  else if (submission !== null) status = 'submitted';
  else if (risk !== null && risk.passed) status = 'passed_risk';
  else status = 'generated';

  // anomalies. SILENT: "after" is read as "the record says so" (the signal's risk decision is a rejection,
  // the order is complete), not as an order in time; an execution recorded through the API needs no
  // submission (the repository's updateSignalStatus(executed) after passed_risk is the usual Python flow).
  const rejected = risk !== null && !risk.passed;
  const noted = new Set<PlainAnomaly>();
  if (generatedEvents.length > 1) noted.add('duplicate_details');
  if (fills.length > 0 && rejected) noted.add('fill_after_rejection');
  if (fills.some((f) => f.report.origin !== 'api') && submission === null) noted.add('fill_without_submission');
  if (submission !== null && rejected) noted.add('submission_after_rejection');
  if (fills.some((f) => f.conflict)) noted.add('conflicting_fill');
  if (complete && outcome !== null) noted.add('outcome_after_completion');
  if (executedQuantity !== null && orderQuantity !== null && compare(executedQuantity, dec(orderQuantity)) > 0) noted.add('overfilled_order');
  const anomalies = PLAIN_ANOMALIES.filter((a) => noted.has(a));

  // executed price: quantity-weighted average of the fills that have a price and a quantity, keeping
  // the largest price scale and at most 10 places (more when a price has more), half to even
  let executedPrice: string | null = null;
  const priced = fills.map((f) => f.report).filter((f) => f.price !== null && f.quantity !== null);
  if (priced.length > 0) {
    const priceScale = Math.max(...priced.map((f) => dec(f.price as string).scale));
    const notionals = priced.map((f) => {
      const p = dec(f.price as string);
      const q = dec(f.quantity as string);
      return write(p.units * q.units, p.scale + q.scale);
    });
    const places = Math.max(priceScale, VWAP_PLACES);
    const average = quotient(sum(notionals), sum(priced.map((f) => f.quantity as string)), places);
    executedPrice = trim(average, places, priceScale);
  } else if (apiExecution !== null && apiExecution.price !== null) {
    // nothing to weigh: an API execution's price alone (given without a quantity) is the executed price
    executedPrice = apiExecution.price;
  }

  // slippage, positive = adverse, once both prices are known
  let slippage: string | null = null;
  let slippageBps: string | null = null;
  if (d !== null && executedPrice !== null) {
    const entry = dec(d.entryPrice);
    const executed = dec(executedPrice);
    const scale = Math.max(entry.scale, executed.scale);
    const units = d.side === 'buy' ? at(executed, scale) - at(entry, scale) : at(entry, scale) - at(executed, scale);
    slippage = write(units, scale);
    const bps = quotient({ units: units * 10_000n, scale }, entry, BPS_PLACES);
    slippageBps = trim(bps, BPS_PLACES, 0);
  }

  // quality score: given, else confidence * min(sharpe_estimate / 2, 1)
  // SILENT: the product is rounded half to even to 12 places, trailing zeros dropped
  let qualityScore = apiValue('qualityScore') ?? d?.qualityScore ?? null;
  if (qualityScore === null && d !== null) {
    const confidence = dec(d.confidence);
    const sharpe = dec(d.sharpeEstimate);
    const halfSharpe: Dec = { units: sharpe.units * 5n, scale: sharpe.scale + 1 };
    const factor = compare(halfSharpe, { units: 1n, scale: 0 }) < 0 ? halfSharpe : { units: 1n, scale: 0 };
    const product: Dec = { units: confidence.units * factor.units, scale: confidence.scale + factor.scale };
    const rounded = product.scale > MAX_PLACES ? divideHalfEven(product.units, pow10(product.scale - MAX_PLACES)) : product.units;
    qualityScore = trim(rounded, Math.min(product.scale, MAX_PLACES), 0);
  }

  const fees = fills.flatMap((f) => (f.report.fee === null ? [] : [f.report.fee]));
  // SILENT: a fill's time is that of the report kept for it (so first_fill_at may be a re-sent report's)
  const fillTimes = fills.map((f) => f.report.occurredAt).sort();
  const lastFill = last([...fills.map((f) => f.report)].sort(byTimeThenId));
  const executedAt = last(fillTimes);

  // SILENT: closed_at is when the signal reached its end state: the last fill of an executed one, the
  // outcome of one that ended so, the decision of a rejected one
  let closedAt: string | null = null;
  if (status === 'executed') closedAt = executedAt;
  else if (outcome !== null && status === outcome.outcome) closedAt = outcome.occurredAt;
  else if (status === 'rejected') closedAt = risk?.occurredAt ?? null;

  // signal_metadata: the event's metadata plus stop_loss and take_profit; one set through the API replaces it
  let signalMetadata: JsonObject | null = apiValue('signalMetadata') ?? null;
  if (signalMetadata === null && detailsEvent !== null && d !== null) {
    signalMetadata = { ...(detailsEvent.metadata ?? {}), stop_loss: d.stopLoss, take_profit: d.takeProfit };
  }

  return {
    signalId,
    strategyName: d?.strategyName ?? null,
    symbol: d?.symbol ?? null,
    signalType: apiValue('signalType') ?? d?.signalType ?? null,
    direction: d === null ? null : d.side === 'buy' ? 'BUY' : 'SELL',
    strength: d?.confidence ?? null,
    qualityScore,
    requestedQuantity,
    positionValue: apiValue('positionValue') ?? d?.positionValue ?? null,
    targetPrice: apiValue('targetPrice') ?? d?.targetPrice ?? d?.takeProfit ?? null,
    signalPrice: d?.entryPrice ?? null,
    signalMetadata,
    sharpeEstimate: d?.sharpeEstimate ?? null,
    stopLoss: d?.stopLoss ?? null,
    takeProfit: d?.takeProfit ?? null,
    expiresAt: d?.expiresAt ?? null,
    generatedAt: detailsEvent?.occurredAt ?? null,
    processedAt: submission?.occurredAt ?? risk?.occurredAt ?? null,
    executedAt,
    firstFillAt: fillTimes[0] ?? null,
    riskCheckedAt: risk?.occurredAt ?? null,
    submittedAt: submission?.occurredAt ?? null,
    closedAt,
    firstEventAt: (sorted[0] as SignalEvent).occurredAt,
    status,
    rejectionReason: rejected ? risk.rejectionReason : null,
    riskCheckPassed: risk === null ? null : risk.passed,
    riskCheckDetails: risk?.checks ?? null,
    // SILENT: without a submission (or one without an order id), the order id of the last fill
    orderId: submission?.orderId ?? lastFill?.orderId ?? null,
    orderQuantity,
    executedPrice,
    executedQuantity: executedQuantity === null ? null : write(executedQuantity.units, executedQuantity.scale),
    fees: fees.length > 0 ? write(sum(fees).units, sum(fees).scale) : null,
    slippage,
    slippageBps,
    outcomeReason: outcome?.reason ?? null,
    anomalies,
  };
}

/**
 * The events a store records from parsed messages given in arrival order, by signal (contract section 2,
 * docs/decisions.md): a dead letter touches no signal; an event_id belongs to its first message, and a
 * later message with it is a duplicate (same content) or a dead letter (other content, or another
 * signal): neither touches a record.
 */
export function acceptedEventsBySignal(messages: readonly ParsedMessage[]): Map<string, SignalEvent[]> {
  const owned = new Set<string>();
  const bySignal = new Map<string, SignalEvent[]>();
  for (const m of messages) {
    if (!m.ok || owned.has(m.event.eventId)) continue;
    owned.add(m.event.eventId);
    bySignal.set(m.event.signalId, [...(bySignal.get(m.event.signalId) ?? []), m.event]);
  }
  return bySignal;
}
