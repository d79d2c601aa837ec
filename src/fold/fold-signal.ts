import {
  canonicalJson,
  compareDecimals,
  Decimal,
  divideRounded,
  ExactDecimal,
  formatDecimal,
  type JsonObject,
  type JsonValue,
  OVERRIDABLE_FIELDS,
  type RecordFieldOverrides,
  scaleOf,
  type SignalDetails,
  type SignalEvent,
  sumDecimals,
} from '../contract/index.ts';
import { Anomaly, SignalStatus } from './signal-status.ts';

interface Stamp {
  /** occurred_at, normalized */
  at: string;
  /** event_id */
  id: string;
}
interface DetailsFact extends Stamp {
  details: SignalDetails;
  metadata: JsonObject | null;
}
interface RiskFact extends Stamp {
  passed: boolean;
  checks: JsonObject | null;
  reason: string | null;
}
interface SubmissionFact extends Stamp {
  orderId: string | null;
  quantity: string | null;
}
interface FillFact extends Stamp {
  orderId: string | null;
  price: string | null;
  quantity: string | null;
  leaves: string | null;
  fee: string | null;
  completes: boolean | null;
  api: boolean;
  /** two distinct reports of the same fill (order_id + fill_id) disagree */
  conflict: boolean;
}
interface OutcomeFact extends Stamp {
  outcome: 'cancelled' | 'expired' | 'missed' | 'error';
  reason: string | null;
}
type OverrideFact = Stamp & { value: JsonValue };
type OverridableField = (typeof OVERRIDABLE_FIELDS)[number];

/**
 * What a set of events says about one signal, in a form where merging is commutative, associative and
 * idempotent: the fold of a set is the merge of its members, in any order and any grouping. The store
 * keeps this state per signal, so a batch merges its new events into it without re-reading old events.
 */
export interface FoldState {
  firstEventAt: string | null;
  details: DetailsFact | null;
  /** two or more distinct signal-generated events */
  detailsConflict: boolean;
  risk: RiskFact | null;
  submission: SubmissionFact | null;
  /** distinct fills by key: order_id + fill_id, else the event id; 'api' for executions recorded through the API */
  fills: Record<string, FillFact>;
  outcome: OutcomeFact | null;
  overrides: Partial<Record<OverridableField, OverrideFact>>;
}

export const EMPTY_STATE: FoldState = Object.freeze({
  firstEventAt: null,
  details: null,
  detailsConflict: false,
  risk: null,
  submission: null,
  fills: Object.freeze({}) as Record<string, FillFact>,
  outcome: null,
  overrides: Object.freeze({}),
}) as FoldState;

// Stryker disable next-line EqualityOperator: the same time and the same event id are the same event (a second
// content under one event id is a dead letter before any fold), so a.id >= b.id picks an equal stamp either way
const later = (a: Stamp, b: Stamp): boolean => a.at > b.at || (a.at === b.at && a.id > b.id);
function latest<T extends Stamp>(a: T | null, b: T | null): T | null {
  if (a === null) return b;
  if (b === null) return a;
  return later(b, a) ? b : a;
}
function earliest<T extends Stamp>(a: T | null, b: T | null): T | null {
  if (a === null) return b;
  if (b === null) return a;
  return later(a, b) ? b : a;
}
/** The risk decision with the latest time; on a tie a rejection wins, then the larger event id. */
function latestRisk(a: RiskFact | null, b: RiskFact | null): RiskFact | null {
  if (a === null) return b;
  if (b === null) return a;
  // Stryker disable next-line EqualityOperator: the times differ here, so > and >= agree
  if (a.at !== b.at) return a.at > b.at ? a : b;
  if (a.passed !== b.passed) return a.passed ? b : a;
  // Stryker disable next-line EqualityOperator: an equal id is the same event (see later)
  return a.id > b.id ? a : b;
}

const fillContent = (f: FillFact): string =>
  canonicalJson([f.orderId, f.price, f.quantity, f.leaves, f.fee, f.completes]);

function mergeFill(a: FillFact, b: FillFact): FillFact {
  // Stryker disable next-line ConditionalExpression,BlockStatement: a fast path for a re-sent event (every event of a
  // replay): without it the general path below gives an equal fill, having compared the same content
  if (a.id === b.id) {
    // Stryker disable next-line LogicalOperator: a and b differ at most in conflict; both forms keep the one that has it
    return a.conflict || !b.conflict ? a : b;
  }
  const winner = later(b, a) ? b : a;
  const conflict = a.conflict || b.conflict || (!a.api && fillContent(a) !== fillContent(b));
  // Stryker disable next-line ConditionalExpression: sharing the winner when nothing changes saves a copy; a copy is equal
  return conflict === winner.conflict ? winner : { ...winner, conflict };
}

/**
 * The key of a fill reported with a fill_id: distinct by order_id and fill_id. Ids without a colon keep the
 * key written before (stored fold states hold it); ids with one are keyed as JSON, since "a:b" + "c" and
 * "a" + "b:c" once made the same key and two fills were counted as one conflicting fill.
 */
function fillKey(orderId: string | null, fillId: string): string {
  const order = orderId ?? '';
  return order.includes(':') || fillId.includes(':') ? `fill-json:${JSON.stringify([orderId, fillId])}` : `fill:${order}:${fillId}`;
}

/** The state of a single event. */
export function stateOf(event: SignalEvent): FoldState {
  const stamp = { at: event.occurredAt, id: event.eventId };
  const state: FoldState = { ...EMPTY_STATE, firstEventAt: event.occurredAt, fills: {}, overrides: {} };
  switch (event.kind) {
    case 'generated':
      state.details = { ...stamp, details: event.details, metadata: event.metadata };
      break;
    case 'risk':
      state.risk = { ...stamp, passed: event.passed, checks: event.checks, reason: event.rejectionReason };
      break;
    case 'submitted':
      state.submission = { ...stamp, orderId: event.orderId, quantity: event.quantity };
      break;
    case 'filled': {
      const api = event.origin === 'api';
      const key = api ? 'api' : event.fillId !== null ? fillKey(event.orderId, event.fillId) : `event:${event.eventId}`;
      state.fills[key] = {
        ...stamp,
        orderId: event.orderId,
        price: event.price,
        quantity: event.quantity,
        leaves: event.leavesQuantity,
        fee: event.fee,
        completes: event.completes,
        api,
        conflict: false,
      };
      break;
    }
    case 'outcome':
      state.outcome = { ...stamp, outcome: event.outcome, reason: event.reason };
      break;
    // Stryker disable next-line all: unreachable, the type of event has no other kind (the compiler checks it)
    default: {
      const never: never = event;
      // Stryker disable next-line all: unreachable (above)
      throw new Error(`unhandled event ${JSON.stringify(never)}`);
    }
  }
  if (event.recordFields) {
    for (const field of OVERRIDABLE_FIELDS) {
      const value = event.recordFields[field];
      if (value !== undefined) state.overrides[field] = { ...stamp, value: value as JsonValue };
    }
  }
  return state;
}

/** The earlier of two times, either of which may be missing. */
function earlierTime(a: string | null, b: string | null): string | null {
  // Stryker disable next-line ConditionalExpression: null < text is false, so without this line b is returned too
  if (a === null) return b;
  if (b === null) return a;
  // Stryker disable next-line EqualityOperator: equal times are the same value either way
  return a < b ? a : b;
}

/** Merges two states; commutative, associative and idempotent. */
export function mergeStates(a: FoldState, b: FoldState): FoldState {
  // states are never mutated once made, so a side with nothing to add is shared as it is
  let fills = a.fills;
  const added = Object.entries(b.fills);
  // Stryker disable next-line ConditionalExpression,EqualityOperator: sharing a.fills when b adds none saves a copy; a copy is equal
  if (added.length > 0) {
    fills = { ...a.fills };
    for (const [key, fill] of added) {
      const mine = fills[key];
      fills[key] = mine === undefined ? fill : mergeFill(mine, fill);
    }
  }
  let overrides = a.overrides;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: sharing a.overrides when b sets none saves a copy; a copy is equal
  if (Object.keys(b.overrides).length > 0) {
    // Stryker disable next-line ObjectLiteral: the loop below sets every field a holds, so starting from {} is equal
    overrides = { ...a.overrides };
    for (const field of OVERRIDABLE_FIELDS) {
      const merged = latest(a.overrides[field] ?? null, b.overrides[field] ?? null);
      if (merged !== null) overrides[field] = merged;
    }
  }
  const details = earliest(a.details, b.details);
  return {
    firstEventAt: earlierTime(a.firstEventAt, b.firstEventAt),
    details,
    detailsConflict: a.detailsConflict || b.detailsConflict || (a.details !== null && b.details !== null && a.details.id !== b.details.id),
    risk: latestRisk(a.risk, b.risk),
    submission: latest(a.submission, b.submission),
    fills,
    outcome: latest(a.outcome, b.outcome),
    overrides,
  };
}

/** The derived part of a signal record: a pure function of the set of its events. */
export interface SignalFacts {
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
  /** time of the first fill (the submitted -> first fill latency) */
  firstFillAt: string | null;
  riskCheckedAt: string | null;
  submittedAt: string | null;
  closedAt: string | null;
  firstEventAt: string;
  status: SignalStatus;
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
  anomalies: Anomaly[];
}

/** A canonical decimal string that is zero (canonical zeros carry no sign). */
const ZERO = /^0(\.0+)?$/;

/** Places kept for a volume-weighted average price that does not terminate. */
export const VWAP_MAX_SCALE = 10;
/** Places kept for slippage in basis points. */
export const BPS_SCALE = 4;

/** Status, anomalies and the quantities they depend on: the cheap part of a record, used per audit entry. */
export interface StatusSummary {
  status: SignalStatus;
  anomalies: Anomaly[];
  complete: boolean;
  executedQuantity: string | null;
  orderQuantity: string | null;
  requestedQuantity: string | null;
}

const override = <F extends OverridableField>(state: FoldState, field: F): RecordFieldOverrides[F] | undefined =>
  state.overrides[field]?.value as RecordFieldOverrides[F] | undefined;

/** The status of a state by the first rule that holds (contract section 3), and its anomaly notes. */
export function summarizeStatus(state: FoldState): StatusSummary {
  const fills = Object.values(state.fills);
  const quantities = fills.flatMap((f) => (f.quantity === null ? [] : [f.quantity]));
  const executedQuantity = quantities.length > 0 ? sumDecimals(quantities) : null;
  const requestedQuantity = override(state, 'requestedQuantity') ?? state.details?.details.requestedQuantity ?? null;
  const orderQuantity = state.submission?.quantity ?? requestedQuantity;
  const complete =
    // Stryker disable next-line ConditionalExpression,LogicalOperator: ZERO.test(null) is false ("null"), and API executions
    // never carry leaves (signal-repository.ts builds them with leavesQuantity null): completes decides for them
    fills.some((f) => !f.api && f.leaves !== null && ZERO.test(f.leaves)) ||
    (executedQuantity !== null && orderQuantity !== null && compareDecimals(executedQuantity, orderQuantity) >= 0) ||
    state.fills.api?.completes === true;

  const risk = state.risk;
  let status: SignalStatus;
  if (complete) status = SignalStatus.Executed;
  else if (state.outcome) status = state.outcome.outcome;
  else if (fills.length > 0) status = SignalStatus.PartiallyFilled;
  else if (risk && !risk.passed) status = SignalStatus.Rejected;
  else if (state.submission) status = SignalStatus.Submitted;
  else if (risk?.passed) status = SignalStatus.PassedRisk;
  else status = SignalStatus.Generated;

  const anomalies: Anomaly[] = [];
  if (state.detailsConflict) anomalies.push(Anomaly.DuplicateDetails);
  if (fills.length > 0 && risk && !risk.passed) anomalies.push(Anomaly.FillAfterRejection);
  if (fills.some((f) => !f.api) && !state.submission) anomalies.push(Anomaly.FillWithoutSubmission);
  if (state.submission && risk && !risk.passed) anomalies.push(Anomaly.SubmissionAfterRejection);
  if (fills.some((f) => f.conflict)) anomalies.push(Anomaly.ConflictingFill);
  if (complete && state.outcome) anomalies.push(Anomaly.OutcomeAfterCompletion);
  if (executedQuantity !== null && orderQuantity !== null && compareDecimals(executedQuantity, orderQuantity) > 0) {
    anomalies.push(Anomaly.OverfilledOrder);
  }
  return { status, anomalies, complete, executedQuantity, orderQuantity, requestedQuantity };
}

/** The record fields that follow from a state (contract section 3). */
export function deriveFacts(signalId: string, state: FoldState): SignalFacts {
  const d = state.details?.details ?? null;
  const { status, anomalies, executedQuantity, orderQuantity, requestedQuantity } = summarizeStatus(state);
  const fills = Object.values(state.fills);
  const priced = fills.filter((f) => f.price !== null && f.quantity !== null);
  let executedPrice: string | null = null;
  if (priced.length === 1) {
    // one fill: its price is the average, exactly
    executedPrice = (priced[0] as FillFact).price;
  } else if (priced.length > 0) {
    // several fills: the notional and the quantity exactly, and one rounding of their quotient
    let notional = new ExactDecimal(0);
    let qty = new ExactDecimal(0);
    let priceScale = 0;
    for (const f of priced) {
      notional = notional.plus(new ExactDecimal(f.price as string).times(f.quantity as string));
      qty = qty.plus(f.quantity as string);
      priceScale = Math.max(priceScale, scaleOf(f.price as string));
    }
    const places = Math.max(priceScale, VWAP_MAX_SCALE);
    executedPrice = formatDecimal(divideRounded(notional, qty, places), priceScale, places);
  } else {
    // no fill to weigh: the price an API execution gave without a quantity is the executed price, as the
    // Python layer stored update_signal_status(id, EXECUTED, executed_price=151)
    executedPrice = state.fills.api?.price ?? null;
  }
  const fees = fills.flatMap((f) => (f.fee === null ? [] : [f.fee]));
  const lastFill = fills.reduce<FillFact | null>((acc, f) => latest(acc, f), null);
  const risk = state.risk;
  const ov = <F extends OverridableField>(field: F) => override(state, field);

  const closedAt =
    status === SignalStatus.Executed
      ? // Stryker disable next-line OptionalChaining: executed means a fill exists
        (lastFill?.at ?? null)
      : // Stryker disable next-line ConditionalExpression: with an outcome and not executed, the status is the outcome
        state.outcome && status === state.outcome.outcome
        ? state.outcome.at
        : status === SignalStatus.Rejected
          ? // Stryker disable next-line OptionalChaining: rejected means a risk decision exists
            (risk?.at ?? null)
          : null;

  let slippage: string | null = null;
  let slippageBps: string | null = null;
  if (d && executedPrice !== null) {
    const diff = new Decimal(executedPrice).minus(d.entryPrice);
    const signed = d.side === 'buy' ? diff : diff.negated();
    const scale = Math.max(scaleOf(executedPrice), scaleOf(d.entryPrice));
    slippage = formatDecimal(signed, scale, scale);
    slippageBps = formatDecimal(divideRounded(signed.times(10_000), new Decimal(d.entryPrice), BPS_SCALE), 0, BPS_SCALE);
  }

  let signalMetadata: JsonObject | null = null;
  const metadataOverride = ov('signalMetadata');
  if (metadataOverride !== undefined) signalMetadata = metadataOverride;
  else if (state.details) {
    // Stryker disable next-line OptionalChaining: d is state.details.details, present in this branch
    signalMetadata = { ...(state.details.metadata ?? {}), stop_loss: d?.stopLoss ?? null, take_profit: d?.takeProfit ?? null };
  }

  let qualityScore = ov('qualityScore') ?? d?.qualityScore ?? null;
  if (qualityScore === null && d) {
    const sharpeFactor = Decimal.min(new Decimal(d.sharpeEstimate).times(0.5), 1);
    qualityScore = formatDecimal(new Decimal(d.confidence).times(sharpeFactor), 0);
  }

  return {
    signalId,
    strategyName: d?.strategyName ?? null,
    symbol: d?.symbol ?? null,
    signalType: ov('signalType') ?? d?.signalType ?? null,
    direction: d ? (d.side === 'buy' ? 'BUY' : 'SELL') : null,
    strength: d?.confidence ?? null,
    qualityScore,
    requestedQuantity,
    positionValue: ov('positionValue') ?? d?.positionValue ?? null,
    targetPrice: ov('targetPrice') ?? d?.targetPrice ?? d?.takeProfit ?? null,
    signalPrice: d?.entryPrice ?? null,
    signalMetadata,
    sharpeEstimate: d?.sharpeEstimate ?? null,
    stopLoss: d?.stopLoss ?? null,
    takeProfit: d?.takeProfit ?? null,
    expiresAt: d?.expiresAt ?? null,
    generatedAt: state.details?.at ?? null,
    processedAt: state.submission?.at ?? risk?.at ?? null,
    executedAt: lastFill?.at ?? null,
    firstFillAt: fills.reduce<string | null>((acc, f) => earlierTime(acc, f.at), null),
    riskCheckedAt: risk?.at ?? null,
    submittedAt: state.submission?.at ?? null,
    closedAt,
    // Stryker disable next-line StringLiteral: no record is derived from a state without events (foldSignal needs one)
    firstEventAt: state.firstEventAt ?? '',
    status,
    rejectionReason: risk && !risk.passed ? risk.reason : null,
    riskCheckPassed: risk ? risk.passed : null,
    riskCheckDetails: risk?.checks ?? null,
    orderId: state.submission?.orderId ?? lastFill?.orderId ?? null,
    orderQuantity,
    executedPrice,
    executedQuantity,
    fees: fees.length > 0 ? sumDecimals(fees) : null,
    slippage,
    slippageBps,
    outcomeReason: state.outcome?.reason ?? null,
    anomalies,
  };
}

/** The state of a set of events (duplicates and order do not matter). */
export function foldEvents(events: Iterable<SignalEvent>, initial: FoldState = EMPTY_STATE): FoldState {
  let state = initial;
  for (const event of events) state = mergeStates(state, stateOf(event));
  return state;
}

/**
 * The record of one signal from the set of its events: any permutation and any duplication of the same
 * events gives the same facts. Throws when the events belong to different signals.
 */
export function foldSignal(events: readonly SignalEvent[]): SignalFacts {
  const first = events[0];
  if (first === undefined) throw new RangeError('foldSignal needs at least one event');
  for (const e of events) {
    if (e.signalId !== first.signalId) throw new RangeError(`events of ${first.signalId} and ${e.signalId} in one fold`);
  }
  return deriveFacts(first.signalId, foldEvents(events));
}
