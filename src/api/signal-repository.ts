import { randomUUID } from 'node:crypto';
import {
  type AcceptedMessage,
  DEFAULT_TOPICS,
  findJsonHazards,
  hashEvent,
  type JsonObject,
  LIMITS,
  normalizeDecimal,
  parseMessage,
  type RecordFieldOverrides,
  type SignalEvent,
  toTimestamp,
  unstorableReason,
} from '../contract/index.ts';
import { SIGNAL_STATUSES, SignalStatus } from '../fold/index.ts';
import { InputError, StoreError } from '../errors.ts';
import { computeExecutionStats, computeRejectionSummary, type ExecutionStats } from '../analytics/signal-stats.ts';
import { applyBatch, openStore, type OpenStoreOptions, type SignalRecord, type Store } from '../store/index.ts';
import { type AsOfOptions, findSignalAsOf, findSignalHistory, findSignalsAsOf, type SignalVersion } from '../analytics/index.ts';
import {
  type AuditEntry,
  findAuditTrail,
  findSignalById,
  findSignals,
  type PageOptions,
  type SignalFilters,
} from './signal-queries.ts';

type DecimalInput = number | string;

/** The original `TradingSignal`. */
export interface TradingSignal {
  symbol: string;
  side: 'buy' | 'sell';
  confidence: DecimalInput;
  sharpeEstimate: DecimalInput;
  entryPrice: DecimalInput;
  stopLoss?: DecimalInput | null;
  takeProfit?: DecimalInput | null;
  /** default 'unknown' */
  strategyName?: string;
}

/** Record fields an update may carry (the original's kwargs). */
export interface UpdateFields {
  processedAt?: Date | string;
  executedAt?: Date | string;
  rejectionReason?: string;
  riskCheckDetails?: JsonObject;
  orderId?: string;
  orderQuantity?: DecimalInput;
  executedPrice?: DecimalInput;
  executedQuantity?: DecimalInput;
  fee?: DecimalInput;
  /** reason of a cancelled/expired/missed/error outcome */
  reason?: string;
  signalType?: string;
  requestedQuantity?: DecimalInput;
  positionValue?: DecimalInput;
  targetPrice?: DecimalInput;
  qualityScore?: DecimalInput;
  signalMetadata?: JsonObject;
}

export interface SaveSignalOptions extends UpdateFields {
  signalId?: string;
  /** default generated; any other status is applied as updateSignalStatus would */
  status?: SignalStatus;
  generatedAt?: Date | string;
  expiresAt?: Date | string;
}

/** A decimal argument as a canonical string; prices and quantities (`positive`) must be > 0. */
function decimalField(name: string, value: DecimalInput | undefined | null, positive = false): string | undefined {
  if (value === undefined || value === null) return undefined;
  const parsed = normalizeDecimal(String(value));
  if ('error' in parsed || (typeof value === 'number' && !Number.isFinite(value))) {
    throw InputError.invalid(name, 'error' in parsed ? parsed.error : 'must be finite');
  }
  if (positive && (parsed.value.startsWith('-') || /^0(\.0*)?$/.test(parsed.value))) {
    throw InputError.invalid(name, `must be greater than 0 (got ${parsed.value})`);
  }
  return parsed.value;
}

function time(name: string, value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return toTimestamp(value);
  } catch (error) {
    throw InputError.invalid(name, (error as Error).message);
  }
}

function overridesOf(fields: UpdateFields): RecordFieldOverrides | null {
  const o: RecordFieldOverrides = {};
  if (fields.signalType !== undefined) o.signalType = fields.signalType;
  const rq = decimalField('requestedQuantity', fields.requestedQuantity, true);
  if (rq !== undefined) o.requestedQuantity = rq;
  const pv = decimalField('positionValue', fields.positionValue);
  if (pv !== undefined) o.positionValue = pv;
  const tp = decimalField('targetPrice', fields.targetPrice, true);
  if (tp !== undefined) o.targetPrice = tp;
  const qs = decimalField('qualityScore', fields.qualityScore);
  if (qs !== undefined) o.qualityScore = qs;
  if (fields.signalMetadata !== undefined) o.signalMetadata = fields.signalMetadata;
  return Object.keys(o).length > 0 ? o : null;
}

/** The argument a repository caller knows for a path into an event or a wire value: `riskCheckDetails.x`, not `$.checks.x`. */
function argumentPath(path: string): string {
  const rest = path.replace(/^\$\.?/, '').replace(/^recordFields\./, '');
  const head = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest)?.[0];
  if (head === undefined) return rest || 'value';
  const name = ARGUMENT_NAMES[head] ?? head.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return `${name}${rest.slice(head.length)}`;
}
const ARGUMENT_NAMES: Record<string, string> = { checks: 'riskCheckDetails', metadata: 'signalMetadata', occurred_at: 'generatedAt', occurredAt: 'processedAt' };

/** Throws an InputError naming the argument when a caller's value is not JSON the databases store alike (NUL, lone surrogates, nesting, BigInt, ...). */
function checkJsonArgument(name: string, value: unknown): void {
  const hazards = findJsonHazards(value, { checkText: true, checkTypes: true });
  if (hazards.length > 0) throw InputError.invalid(argumentPath(hazards[0]?.path.replace(/^\$/, `$.${name}`) ?? name), hazards.map((h) => h.message).join('; '));
}

/** Throws an InputError naming the argument when a text is longer than its column holds. */
function checkLength(name: string, value: string | null | undefined, max: number): void {
  if (typeof value === 'string' && value.length > max) throw InputError.invalid(name, `longer than ${max} characters (${value.length})`);
}

/** An event made by a repository call, refused with a clear error when a field holds what the databases cannot store alike. */
function apiMessage(event: SignalEvent): AcceptedMessage {
  const hazards = findJsonHazards(event, { checkText: true, checkTypes: true });
  if (hazards.length > 0) throw InputError.invalid(argumentPath(hazards[0]?.path ?? '$'), hazards.map((h) => h.message).join('; '));
  return { ok: true, event, payload: JSON.stringify(event), contentHash: hashEvent(event), source: { type: 'api' } };
}

/** True when an id can name a stored signal: ids that hold NUL or lone surrogates are never stored. */
const storableId = (id: string) => typeof id === 'string' && unstorableReason(id) === null;

/**
 * The repository users of the original Python layer know (contract section 5). Its write calls make
 * events with source `api` and send them through applyBatch, the same path as Kafka messages.
 */
export class SignalRepository {
  readonly store: Store;
  readonly #owned: boolean;

  private constructor(store: Store, owned: boolean) {
    this.store = store;
    this.#owned = owned;
  }

  /** Opens the database of `dbUrl` (default sqlite:///data/signals.db). */
  static async open(options: OpenStoreOptions = {}): Promise<SignalRepository> {
    return new SignalRepository(await openStore(options), true);
  }

  /** A repository over a store someone else opened and will close. */
  static fromStore(store: Store): SignalRepository {
    return new SignalRepository(store, false);
  }

  async close(): Promise<void> {
    if (this.#owned) await this.store.close();
  }

  /** Saves a new signal and returns its record; an id that already has details is an error. */
  async saveSignal(signal: TradingSignal, options: SaveSignalOptions = {}): Promise<SignalRecord> {
    const signalId = options.signalId ?? randomUUID();
    const status = options.status ?? SignalStatus.Generated;
    if (!SIGNAL_STATUSES.includes(status)) throw InputError.invalid('status', `unknown status ${JSON.stringify(status)}`);
    // before JSON.stringify, which would overflow on deep nesting or throw on a BigInt
    checkJsonArgument('signalMetadata', options.signalMetadata);
    const wire: Record<string, unknown> = {
      signal_id: signalId,
      occurred_at: time('generatedAt', options.generatedAt ?? new Date()),
      event_id: randomUUID(),
      strategy_name: signal.strategyName ?? 'unknown',
      symbol: signal.symbol,
      side: signal.side,
      confidence: signal.confidence === undefined ? undefined : String(signal.confidence),
      sharpe_estimate: signal.sharpeEstimate === undefined ? undefined : String(signal.sharpeEstimate),
      entry_price: signal.entryPrice === undefined ? undefined : String(signal.entryPrice),
      stop_loss: signal.stopLoss == null ? undefined : String(signal.stopLoss),
      take_profit: signal.takeProfit == null ? undefined : String(signal.takeProfit),
      signal_type: options.signalType,
      quality_score: options.qualityScore === undefined ? undefined : String(options.qualityScore),
      requested_quantity: options.requestedQuantity === undefined ? undefined : String(options.requestedQuantity),
      position_value: options.positionValue === undefined ? undefined : String(options.positionValue),
      target_price: options.targetPrice === undefined ? undefined : String(options.targetPrice),
      expires_at: options.expiresAt === undefined ? undefined : time('expiresAt', options.expiresAt),
      metadata: options.signalMetadata,
    };
    const parsed = parseMessage({ topic: DEFAULT_TOPICS.generated, value: JSON.stringify(wire), source: { type: 'api' } });
    if (!parsed.ok) {
      throw InputError.invalid('signal', parsed.problems.map((p) => `${argumentPath(p.path)} ${p.message}`).join('; '));
    }
    const existing = await findSignalById(this.store, signalId);
    if (existing !== null && existing.generatedAt !== null) throw StoreError.alreadyExists(signalId);
    const event: SignalEvent = { ...parsed.event, origin: 'api' };
    const messages = [apiMessage(event)];
    if (status !== SignalStatus.Generated) messages.push(...this.#updateMessages(signalId, status, options));
    await applyBatch(this.store, messages, { strict: true });
    return (await findSignalById(this.store, signalId)) as SignalRecord;
  }

  /**
   * Records the lifecycle fact a status names (contract section 5). Returns false and writes nothing
   * when the signal does not exist.
   */
  async updateSignalStatus(signalId: string, status: SignalStatus, fields: UpdateFields = {}): Promise<boolean> {
    if (!storableId(signalId) || (await findSignalById(this.store, signalId)) === null) return false;
    await applyBatch(this.store, this.#updateMessages(signalId, status, fields), { strict: true });
    return true;
  }

  #updateMessages(signalId: string, status: SignalStatus, fields: UpdateFields): AcceptedMessage[] {
    if (!SIGNAL_STATUSES.includes(status)) {
      throw InputError.invalid('status', `unknown status ${JSON.stringify(status)}; expected one of ${SIGNAL_STATUSES.join(', ')}`);
    }
    // the limits of the wire schemas, which these fields bypass
    checkLength('orderId', fields.orderId, LIMITS.maxIdLength);
    checkLength('signalType', fields.signalType, 64);
    checkLength('rejectionReason', fields.rejectionReason, LIMITS.maxTextLength);
    checkLength('reason', fields.reason, LIMITS.maxTextLength);
    checkJsonArgument('riskCheckDetails', fields.riskCheckDetails);
    checkJsonArgument('signalMetadata', fields.signalMetadata);
    const base = {
      eventId: randomUUID(),
      signalId,
      occurredAt: time('executedAt', fields.executedAt) ?? time('processedAt', fields.processedAt) ?? toTimestamp(new Date()),
      schemaVersion: 1,
      metadata: null,
      origin: 'api' as const,
      recordFields: overridesOf(fields),
    };
    const reason = fields.reason ?? null;
    let event: SignalEvent;
    switch (status) {
      case SignalStatus.Generated:
        throw InputError.invalid('status', 'generated is the state before any lifecycle fact; it cannot be set by an update');
      case SignalStatus.PassedRisk:
      case SignalStatus.Rejected:
        event = {
          ...base,
          kind: 'risk',
          passed: status === SignalStatus.PassedRisk,
          checks: fields.riskCheckDetails ?? null,
          rejectionReason: status === SignalStatus.Rejected ? (fields.rejectionReason ?? null) : null,
        };
        break;
      case SignalStatus.Submitted:
        event = { ...base, kind: 'submitted', orderId: fields.orderId ?? null, quantity: decimalField('orderQuantity', fields.orderQuantity, true) ?? null, limitPrice: null, broker: null };
        break;
      case SignalStatus.Executed:
      case SignalStatus.PartiallyFilled:
        event = {
          ...base,
          kind: 'filled',
          orderId: fields.orderId ?? null,
          fillId: null,
          price: decimalField('executedPrice', fields.executedPrice, true) ?? null,
          quantity: decimalField('executedQuantity', fields.executedQuantity, true) ?? null,
          leavesQuantity: null,
          fee: decimalField('fee', fields.fee) ?? null,
          completes: status === SignalStatus.Executed,
        };
        break;
      case SignalStatus.Cancelled:
      case SignalStatus.Expired:
      case SignalStatus.Missed:
      case SignalStatus.Error:
        event = { ...base, kind: 'outcome', outcome: status, reason: reason ?? fields.rejectionReason ?? null, orderId: fields.orderId ?? null };
        break;
      default: {
        const never: never = status;
        throw InputError.invalid('status', `unknown status ${String(never)}`);
      }
    }
    return [apiMessage(event)];
  }

  /**
   * The stored record; with `asOf` and/or `knownAt`, the record refolded from the events that had occurred by
   * `asOf` and had been received by `knownAt` (null when there were none: the signal did not exist yet).
   */
  getSignalById(signalId: string, when: AsOfOptions = {}): Promise<SignalRecord | null> {
    if (!storableId(signalId)) return Promise.resolve(null);
    return when.asOf === undefined && when.knownAt === undefined ? findSignalById(this.store, signalId) : findSignalAsOf(this.store, signalId, when);
  }

  /** Every version of a signal's record, one per distinct event in event time (empty when the ledger does not hold it). */
  getSignalHistory(signalId: string): Promise<SignalVersion[]> {
    return storableId(signalId) ? findSignalHistory(this.store, signalId) : Promise.resolve([]);
  }

  /**
   * Newest generated_at first, ties by signal_id; keyset paging with `cursor` = the last signalId. With `asOf`
   * and/or `knownAt`, the records refolded from the events that had occurred and been received by then, the
   * filters applied to those, in signal_id order (docs/audit.md).
   */
  getSignals(filters: SignalFilters = {}, page: PageOptions = {}, when: AsOfOptions = {}): Promise<SignalRecord[]> {
    return when.asOf === undefined && when.knownAt === undefined ? findSignals(this.store, filters, page) : findSignalsAsOf(this.store, filters, page, when);
  }

  /** Up to 10,000 signals of one strategy in [startDate, endDate). */
  getSignalsByStrategy(strategyName: string, startDate?: Date | string, endDate?: Date | string): Promise<SignalRecord[]> {
    return findSignals(this.store, { strategy: strategyName, startDate, endDate }, { limit: LIMITS.maxPageSize });
  }

  getExecutionStats(startDate?: Date | string, endDate?: Date | string): Promise<ExecutionStats> {
    return computeExecutionStats(this.store, startDate, endDate);
  }

  getRejectionSummary(startDate?: Date | string, endDate?: Date | string): Promise<Record<string, number>> {
    return computeRejectionSummary(this.store, startDate, endDate);
  }

  /** Every event recorded for a signal, in the order it was received. */
  getAuditTrail(signalId: string): Promise<AuditEntry[]> {
    return storableId(signalId) ? findAuditTrail(this.store, signalId) : Promise.resolve([]);
  }
}
