// The fold's state: the facts of each event, and their merge, a commutative, associative and idempotent
// operation (a semilattice), so that any order, duplication and batching of a signal's events give one state.
import {
  canonicalJson,
  type JsonObject,
  type JsonValue,
  OVERRIDABLE_FIELDS,
  type SignalDetails,
  type SignalEvent,
} from '../contract/index.ts';

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
export interface FillFact extends Stamp {
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
export type OverridableField = (typeof OVERRIDABLE_FIELDS)[number];

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
export function latest<T extends Stamp>(a: T | null, b: T | null): T | null {
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
export function earlierTime(a: string | null, b: string | null): string | null {
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
