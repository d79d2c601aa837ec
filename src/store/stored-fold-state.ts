// The fold state as the signals table stores it (fold_state): positional arrays instead of objects with named
// members: 60 % of the bytes of the FoldState object's JSON (735 bytes per signal of the generator's workload
// against 1,219; most of the rest is each fact's time and event id), which every changed signal row writes again
// and every batch reads back.
import { type JsonObject, type JsonValue, OVERRIDABLE_FIELDS, type SignalDetails } from '../contract/index.ts';
import type { FillFact, FoldState, OverridableField } from '../fold/index.ts';
import { isObjectFoldState } from './migrations/Migration20261202000000_compact_fold_state.ts';

/**
 * The first element of every stored state. A later form of the state gets the next number and a migration from
 * this one, which writes out what it knows of this form, as Migration20261202000000_compact_fold_state does of
 * the state object before it.
 */
export const STORED_STATE_FORM = 1;

/** The details of a signal-generated event, in the order the stored state lists them (after its time and id). */
const DETAIL_FIELDS = [
  'strategyName',
  'symbol',
  'side',
  'confidence',
  'sharpeEstimate',
  'entryPrice',
  'stopLoss',
  'takeProfit',
  'signalType',
  'qualityScore',
  'requestedQuantity',
  'positionValue',
  'targetPrice',
  'expiresAt',
] as const satisfies readonly (keyof SignalDetails)[];
// every field of SignalDetails is listed: the compiler refuses this line when one is not
const listsEveryDetail: Exclude<keyof SignalDetails, (typeof DETAIL_FIELDS)[number]> extends never ? true : never = true;
void listsEveryDetail;

type Details = NonNullable<FoldState['details']>;
type Risk = NonNullable<FoldState['risk']>;
type Submission = NonNullable<FoldState['submission']>;
type Outcome = NonNullable<FoldState['outcome']>;
type Override = NonNullable<FoldState['overrides'][OverridableField]>;

/**
 * A fold state as stored:
 * `[1, firstEventAt, details, detailsConflict, risk, submission, fills, outcome, overrides]`, where each fact
 * starts with its time and event id:
 * - details: `[at, id, ...the 14 DETAIL_FIELDS, metadata]`
 * - risk: `[at, id, passed, checks, reason]`
 * - submission: `[at, id, orderId, quantity]`
 * - fills: `{ key: [at, id, orderId, price, quantity, leaves, fee, completes, api, conflict] }`
 * - outcome: `[at, id, outcome, reason]`
 * - overrides: `{ field: [at, id, value] }`
 */
export function toStoredState(state: FoldState): JsonValue[] {
  // fills by key and overrides by field in one order, so that the text does not depend on the order of merges
  const fills: Record<string, JsonValue[]> = {};
  for (const key of Object.keys(state.fills).sort()) {
    const f = state.fills[key] as FillFact;
    fills[key] = [f.at, f.id, f.orderId, f.price, f.quantity, f.leaves, f.fee, f.completes, f.api, f.conflict];
  }
  const overrides: Record<string, JsonValue[]> = {};
  for (const field of OVERRIDABLE_FIELDS) {
    const o: Override | undefined = state.overrides[field];
    if (o !== undefined) overrides[field] = [o.at, o.id, o.value];
  }
  const { details: d, risk: r, submission: s, outcome: o } = state;
  return [
    STORED_STATE_FORM,
    state.firstEventAt,
    d === null ? null : [d.at, d.id, ...DETAIL_FIELDS.map((f) => d.details[f]), d.metadata],
    state.detailsConflict,
    r === null ? null : [r.at, r.id, r.passed, r.checks, r.reason],
    s === null ? null : [s.at, s.id, s.orderId, s.quantity],
    fills,
    o === null ? null : [o.at, o.id, o.outcome, o.reason],
    overrides,
  ];
}

/**
 * The fold state of a stored one, as the column gives it (its JSON text, or the value the driver parsed). A state
 * still stored as the state object (written after the migration by a worker of the release before) is read as it
 * is, and stored in form 1 when its signal is written again.
 */
export function fromStoredState(column: unknown, signalId = ''): FoldState {
  const stored: unknown = typeof column === 'string' ? JSON.parse(column) : column;
  // form 1 first: every row but those an old worker wrote after the migration
  if (!Array.isArray(stored) || stored[0] !== STORED_STATE_FORM || stored.length !== 9) {
    if (isObjectFoldState(stored)) return stored as unknown as FoldState;
    throw new Error(
      `${signalId === '' ? '' : `signal ${signalId}: `}its stored fold state is in no form this version reads (signal-ledger rebuild recomputes it from the audit trail): ${JSON.stringify(stored)?.slice(0, 80)}`,
    );
  }
  const [, firstEventAt, d, detailsConflict, r, s, storedFills, o, storedOverrides] = stored as StoredState;
  const fills: Record<string, FillFact> = {};
  for (const [key, f] of Object.entries(storedFills)) {
    const [at, id, orderId, price, quantity, leaves, fee, completes, api, conflict] = f;
    fills[key] = { at, id, orderId, price, quantity, leaves, fee, completes, api, conflict };
  }
  const overrides: FoldState['overrides'] = {};
  for (const [field, [at, id, value]] of Object.entries(storedOverrides)) overrides[field as OverridableField] = { at, id, value };
  return {
    firstEventAt,
    details: d === null ? null : detailsOf(d),
    detailsConflict,
    risk: r === null ? null : { at: r[0], id: r[1], passed: r[2], checks: r[3], reason: r[4] },
    submission: s === null ? null : { at: s[0], id: s[1], orderId: s[2], quantity: s[3] },
    fills,
    outcome: o === null ? null : { at: o[0], id: o[1], outcome: o[2], reason: o[3] },
    overrides,
  };
}

function detailsOf(d: StoredDetails): Details {
  const details: Record<string, unknown> = {};
  DETAIL_FIELDS.forEach((f, i) => (details[f] = d[i + 2]));
  return { at: d[0], id: d[1], details: details as unknown as SignalDetails, metadata: d[DETAIL_FIELDS.length + 2] as JsonObject | null };
}

type StoredDetails = [string, string, ...unknown[]];
type StoredState = [
  typeof STORED_STATE_FORM,
  string | null,
  StoredDetails | null,
  boolean,
  [string, string, Risk['passed'], Risk['checks'], Risk['reason']] | null,
  [string, string, Submission['orderId'], Submission['quantity']] | null,
  Record<string, [string, string, FillFact['orderId'], FillFact['price'], FillFact['quantity'], FillFact['leaves'], FillFact['fee'], FillFact['completes'], boolean, boolean]>,
  [string, string, Outcome['outcome'], Outcome['reason']] | null,
  Record<string, [string, string, JsonValue]>,
];
