// A signal's record from its fold state (fold-state.ts): status, anomalies, prices, quantities, slippage.
import {
  compareDecimals,
  divideRounded,
  formatDecimal,
  type JsonObject,
  type RecordFieldOverrides,
  ScaledDecimal,
  type SignalEvent,
  sumDecimals,
} from '../contract/index.ts';
import { Anomaly, SignalStatus } from './signal-status.ts';

import { earlierTime, EMPTY_STATE, type FillFact, type FoldState, latest, mergeStates, type OverridableField, stateOf } from './fold-state.ts';

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

const HALF = new ScaledDecimal(5n, 1);
const ONE = new ScaledDecimal(1n, 0);
const TEN_THOUSAND = new ScaledDecimal(10_000n, 0);

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
    let notional = new ScaledDecimal(0n, 0);
    let qty = new ScaledDecimal(0n, 0);
    let priceScale = 0;
    for (const f of priced) {
      const price = ScaledDecimal.of(f.price as string);
      const quantity = ScaledDecimal.of(f.quantity as string);
      notional = notional.plus(price.times(quantity));
      qty = qty.plus(quantity);
      priceScale = Math.max(priceScale, price.scale);
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
    const entry = ScaledDecimal.of(d.entryPrice);
    const diff = ScaledDecimal.of(executedPrice).minus(entry);
    const signed = d.side === 'buy' ? diff : diff.negated();
    slippage = formatDecimal(signed, signed.scale, signed.scale);
    slippageBps = formatDecimal(divideRounded(signed.times(TEN_THOUSAND), entry, BPS_SCALE), 0, BPS_SCALE);
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
    const half = ScaledDecimal.of(d.sharpeEstimate).times(HALF);
    const sharpeFactor = half.compare(ONE) < 0 ? half : ONE;
    qualityScore = formatDecimal(ScaledDecimal.of(d.confidence).times(sharpeFactor), 0);
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
