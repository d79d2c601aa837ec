import type { Outcome, Side } from './schemas.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Record fields that the repository API may set directly (the original's update kwargs); the latest call wins. */
export interface RecordFieldOverrides {
  signalType?: string;
  requestedQuantity?: string;
  positionValue?: string;
  targetPrice?: string;
  qualityScore?: string;
  signalMetadata?: JsonObject;
}
export const OVERRIDABLE_FIELDS = [
  'signalType',
  'requestedQuantity',
  'positionValue',
  'targetPrice',
  'qualityScore',
  'signalMetadata',
] as const satisfies readonly (keyof RecordFieldOverrides)[];

/** Where an event came from: a Kafka message, a line of a file, or a repository call. */
export type EventSource =
  | { type: 'kafka'; topic: string; partition: number; offset: string; key: string | null }
  | { type: 'file'; file: string; line: number; topic: string; key: string | null }
  | { type: 'api' };

interface EnvelopeFields {
  eventId: string;
  signalId: string;
  /** normalized UTC timestamp with microseconds; string order is time order */
  occurredAt: string;
  schemaVersion: number;
  metadata: JsonObject | null;
  /** 'api' for events made by saveSignal/updateSignalStatus; they follow the same rules */
  origin: 'wire' | 'api';
  recordFields: RecordFieldOverrides | null;
}

export interface SignalDetails {
  strategyName: string;
  symbol: string;
  side: Side;
  confidence: string;
  sharpeEstimate: string;
  entryPrice: string;
  stopLoss: string | null;
  takeProfit: string | null;
  signalType: string;
  qualityScore: string | null;
  requestedQuantity: string | null;
  positionValue: string | null;
  targetPrice: string | null;
  expiresAt: string | null;
}

export interface SignalGenerated extends EnvelopeFields {
  kind: 'generated';
  details: SignalDetails;
}
export interface RiskDecision extends EnvelopeFields {
  kind: 'risk';
  passed: boolean;
  checks: JsonObject | null;
  rejectionReason: string | null;
}
export interface OrderSubmitted extends EnvelopeFields {
  kind: 'submitted';
  orderId: string | null;
  quantity: string | null;
  limitPrice: string | null;
  broker: string | null;
}
export interface OrderFilled extends EnvelopeFields {
  kind: 'filled';
  orderId: string | null;
  fillId: string | null;
  /** null only for an execution recorded through the API without prices */
  price: string | null;
  quantity: string | null;
  leavesQuantity: string | null;
  fee: string | null;
  /** set by the API: this execution completes (true) or does not complete (false) the order */
  completes: boolean | null;
}
export interface SignalOutcome extends EnvelopeFields {
  kind: 'outcome';
  outcome: Outcome;
  reason: string | null;
  orderId: string | null;
}

/** A validated lifecycle event, the only input of the fold. */
export type SignalEvent = SignalGenerated | RiskDecision | OrderSubmitted | OrderFilled | SignalOutcome;

export type { Problem } from './problem.ts';
