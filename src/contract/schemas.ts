import * as z from 'zod';
import { normalizeDecimal } from './decimal.ts';
import { LIMITS } from './limits.ts';
import { normalizeTimestamp } from './timestamp.ts';

/** The five event kinds and the default topic that carries each. */
export const EventKind = {
  Generated: 'generated',
  Risk: 'risk',
  Submitted: 'submitted',
  Filled: 'filled',
  Outcome: 'outcome',
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];
export const EVENT_KINDS: readonly EventKind[] = Object.values(EventKind);

export const DEFAULT_TOPICS: Readonly<Record<EventKind, string>> = {
  generated: 'signals.generated',
  risk: 'signals.risk',
  submitted: 'orders.submitted',
  filled: 'orders.filled',
  outcome: 'signals.outcome',
};

export const SUPPORTED_SCHEMA_VERSIONS = [1] as const;

export const Side = { Buy: 'buy', Sell: 'sell' } as const;
export type Side = (typeof Side)[keyof typeof Side];

export const Outcome = { Cancelled: 'cancelled', Expired: 'expired', Missed: 'missed', Error: 'error' } as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** What a decimal field allows beyond being a decimal: prices and quantities are > 0, a confidence is in 0..1. */
export type DecimalRule = 'positive' | 'nonNegative' | 'unitInterval' | 'any';
const RULE_TEXT: Record<DecimalRule, string> = {
  positive: 'must be greater than 0',
  nonNegative: 'must be 0 or greater',
  unitInterval: 'must be between 0 and 1',
  any: '',
};

/**
 * A check of one field's value that also gives its stored form (a decimal's canonical string, a timestamp in UTC
 * with microseconds). The zod schema runs it after its own checks, and so does the compiled fast path
 * (wire-fast-path.ts) after the JSON Schema validator: one rule, two callers.
 */
export type Refine<T = unknown> = (input: unknown) => { value: T } | { error: string };

/** The refinement of each field schema built below, and the whole-object check of an event that has one. */
const REFINEMENTS = new WeakMap<z.ZodType, Refine>();
const OBJECT_CHECKS = new WeakMap<z.ZodType, (value: Record<string, unknown>) => boolean>();

/** A zod transform that runs a refinement: its error becomes a custom issue with the refinement's message. */
function transformWith<T>(refine: Refine<T>) {
  return (input: unknown, ctx: z.core.$RefinementCtx): T => {
    const r = refine(input);
    if ('error' in r) {
      // Stryker disable next-line StringLiteral: equivalent: the issue code is not observable, parseMessage keeps only each issue's path and message and zod reads no custom code
      ctx.addIssue({ code: 'custom', message: r.error });
      return z.NEVER;
    }
    return r.value;
  };
}

function refined<T extends z.ZodType>(schema: T, refine: Refine): T {
  REFINEMENTS.set(schema, refine);
  return schema;
}

/** A decimal's canonical string, or why it is not one or breaks its rule. */
function decimalRefine(rule: DecimalRule): Refine<string> {
  return (input) => {
    // Stryker disable next-line StringLiteral,BlockStatement,ConditionalExpression: equivalent: unreachable for a non-finite number, which a JSON number never is and z.number() refuses before the transform runs
    if (typeof input === 'number' && !Number.isFinite(input)) return { error: 'must be finite' };
    const parsed = normalizeDecimal(String(input));
    if ('error' in parsed) return parsed;
    const broken = brokenDecimalRule(parsed.value, rule);
    return broken === null ? { value: parsed.value } : { error: broken };
  };
}

/**
 * Why a canonical decimal breaks its field's rule, or null when it keeps it. The wire's fields and the events a
 * repository call makes (parseApiEvent) are held to the same rules.
 */
export function brokenDecimalRule(v: string, rule: DecimalRule): string | null {
  const negative = v.charCodeAt(0) === 0x2d; /* - */
  const ok =
    rule === 'any' ||
    (rule === 'positive' && !negative && !isDigitAndZeros(v, 0x30)) ||
    (rule === 'nonNegative' && !negative) ||
    (rule === 'unitInterval' && !negative && ((v.charCodeAt(0) === 0x30 && (v.length === 1 || v.charCodeAt(1) === 0x2e)) || isDigitAndZeros(v, 0x31)));
  return ok ? null : `${RULE_TEXT[rule]} (got ${v})`;
}

/** Whether `v` is the digit alone, or it and a point with nothing but zeros after it (`0`, `0.`, `0.00`, `1.0`). */
function isDigitAndZeros(v: string, digit: number): boolean {
  if (v.charCodeAt(0) !== digit || (v.length > 1 && v.charCodeAt(1) !== 0x2e) /* . */) return false;
  for (let i = 2; i < v.length; i++) if (v.charCodeAt(i) !== 0x30) return false;
  return true;
}

/** A decimal given as a JSON number or a decimal string; parsed to its canonical string, never a float. */
function decimal(rule: DecimalRule, description: string) {
  const refine = decimalRefine(rule);
  return refined(
    z
      .union([
        z.number(),
        // the length first, and alone: a pattern over a megabyte of digits would be slow to refuse
        z
          .string()
          .max(LIMITS.maxDecimalChars, { abort: true, message: `not a decimal within the limits: more than ${LIMITS.maxDecimalChars} characters` })
          .regex(/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/, 'not a decimal number'),
        ],
        {
          error: (issue) =>
            issue.code !== 'invalid_union'
              ? undefined
              : typeof issue.input === 'string'
                ? // Stryker disable next-line OptionalChaining,StringLiteral: equivalent: a string input failed the union's second option, the string, so errors[1] holds at least one issue and the fallback is never read
                  (issue.errors[1]?.[0]?.message ?? 'not a decimal number')
                : `expected a decimal (a JSON number or a decimal string), got ${issue.input === null ? 'null' : Array.isArray(issue.input) ? 'an array' : typeof issue.input}`,
        },
      )
      .transform(transformWith(refine))
      .meta({ description }),
    refine,
  );
}

/** A timestamp in UTC with microseconds, or why the text is not one. */
const timestampRefine: Refine<string> = (input) => normalizeTimestamp(input as string);

const timestamp = (description: string) =>
  refined(z.string().transform(transformWith(timestampRefine)).meta({ description, format: 'date-time' }), timestampRefine);

const id = (description: string) => z.string().min(1).max(LIMITS.maxIdLength).meta({ description });
const text = (description: string) => z.string().max(LIMITS.maxTextLength).meta({ description });
/**
 * A JSON object, taken as it is: parseMessage only passes what JSON.parse made, whose nesting and text
 * findJsonHazards has checked, so its members are JSON already. Not zod's record of z.json(): that walks
 * and copies the whole tree (about 25 times JSON.parse's cost on a large object) and assigns keys, so a
 * "__proto__" key was lost.
 */
const jsonObject = (description: string) =>
  z
    .custom<Record<string, unknown>>((v) => v !== null && typeof v === 'object' && !Array.isArray(v), { message: 'expected a JSON object' })
    .meta({ description, type: 'object' });

const metadataRefine: Refine = (input) =>
  Buffer.byteLength(JSON.stringify(input)) > LIMITS.maxMetadataBytes ? { error: `larger than ${LIMITS.maxMetadataBytes} bytes` } : { value: input };

const metadata = refined(
  jsonObject('free-form JSON object, at most 16 KiB of JSON text').check((ctx) => {
    const r = metadataRefine(ctx.value);
    if ('error' in r) {
      ctx.issues.push({
        // Stryker disable next-line StringLiteral: equivalent: the issue code is not observable, parseMessage keeps only each issue's path and message and zod reads no custom code
        code: 'custom',
        message: r.error,
        input: ctx.value,
        path: [],
      });
    }
  }),
  metadataRefine,
);

/** Fields common to every event. Unknown extra fields are tolerated and kept in the audit trail. */
export const envelopeShape = {
  signal_id: id('the signal this event belongs to; the aggregate key'),
  occurred_at: timestamp('when it happened (event time), RFC 3339 with offset'),
  event_id: id('idempotency key; derived from the topic and the canonical JSON of the value when absent').optional(),
  schema_version: z
    .number()
    .int()
    .optional()
    .meta({ description: `schema version of this payload; default 1; supported: ${SUPPORTED_SCHEMA_VERSIONS.join(', ')}` }),
  metadata: metadata.optional(),
};

export const signalGeneratedSchema = z.looseObject({
  ...envelopeShape,
  strategy_name: z.string().min(1).max(LIMITS.maxIdLength).meta({ description: 'strategy that emitted the signal' }),
  symbol: z.string().min(1).max(64).meta({ description: 'instrument symbol' }),
  side: z.enum(['buy', 'sell']),
  confidence: decimal('unitInterval', 'confidence in 0..1 (the record keeps it as strength)'),
  sharpe_estimate: decimal('any', 'estimated Sharpe ratio'),
  entry_price: decimal('positive', 'entry price (the record keeps it as signal_price)'),
  stop_loss: decimal('positive', 'stop-loss price').nullish(),
  take_profit: decimal('positive', 'take-profit price').nullish(),
  signal_type: z.string().min(1).max(64).optional().meta({ description: 'default entry' }),
  quality_score: decimal('any', 'default confidence * min(sharpe_estimate / 2, 1)').nullish(),
  requested_quantity: decimal('positive', 'quantity the strategy asks for').nullish(),
  position_value: decimal('any', 'position value').nullish(),
  target_price: decimal('positive', 'target price; default take_profit').nullish(),
  expires_at: timestamp('when the signal expires').nullish(),
});

/** A rejection needs a reason; one of only white space gives none (reports would group rejections under a blank). */
const riskHasReason = (value: { passed?: unknown; rejection_reason?: unknown }): boolean =>
  value.passed !== false || (typeof value.rejection_reason === 'string' && value.rejection_reason.trim() !== '');

export const riskDecisionSchema = z
  .looseObject({
    ...envelopeShape,
    passed: z.boolean().meta({ description: 'true when the signal passed every risk check' }),
    checks: jsonObject('check name to result').nullish(),
    rejection_reason: text('why the signal was rejected; required when passed is false').nullish(),
  })
  .check((ctx) => {
    if (!riskHasReason(ctx.value)) {
      ctx.issues.push({
        // Stryker disable next-line StringLiteral: equivalent: the issue code is not observable, parseMessage keeps only each issue's path and message and zod reads no custom code
        code: 'custom',
        message: 'required when passed is false, and not blank',
        input: ctx.value.rejection_reason,
        path: ['rejection_reason'],
      });
    }
  });
OBJECT_CHECKS.set(riskDecisionSchema, riskHasReason);

export const orderSubmittedSchema = z.looseObject({
  ...envelopeShape,
  order_id: id('broker or OMS order id'),
  quantity: decimal('positive', 'order quantity').nullish(),
  limit_price: decimal('positive', 'limit price').nullish(),
  broker: text('broker name').nullish(),
});

export const orderFilledSchema = z.looseObject({
  ...envelopeShape,
  order_id: id('order the execution belongs to'),
  price: decimal('positive', 'execution price'),
  quantity: decimal('positive', 'executed quantity of this fill'),
  fill_id: id('execution id; a fill re-sent with the same order_id and fill_id counts once').nullish(),
  leaves_quantity: decimal('nonNegative', 'quantity still open after this fill; 0 completes the order').nullish(),
  fee: decimal('any', 'fee of this fill (negative for a rebate)').nullish(),
});

export const signalOutcomeSchema = z.looseObject({
  ...envelopeShape,
  outcome: z.enum(['cancelled', 'expired', 'missed', 'error']),
  reason: text('why').nullish(),
  order_id: id('order concerned, if any').nullish(),
});

export const WIRE_SCHEMAS = {
  generated: signalGeneratedSchema,
  risk: riskDecisionSchema,
  submitted: orderSubmittedSchema,
  filled: orderFilledSchema,
  outcome: signalOutcomeSchema,
} as const;

/** What an event's schema checks beyond its JSON Schema: the refinement of each field that has one, and the whole-object check. */
export interface WireRefinements {
  fields: readonly (readonly [field: string, refine: Refine])[];
  check: ((value: Record<string, unknown>) => boolean) | null;
}

/** Read from the zod schemas themselves (through optional and nullable), so the fast path cannot miss a rule they gain. */
export function wireRefinements(kind: EventKind): WireRefinements {
  const schema = WIRE_SCHEMAS[kind];
  const fields: [string, Refine][] = [];
  for (const [field, fieldSchema] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    let inner: z.ZodType = fieldSchema;
    while (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable) inner = inner.unwrap() as z.ZodType;
    const refine = REFINEMENTS.get(inner);
    if (refine !== undefined) fields.push([field, refine]);
  }
  return { fields, check: OBJECT_CHECKS.get(schema) ?? null };
}

/** The decimal fields of each event, read from the JSON source text so no digit is lost. */
export const DECIMAL_FIELDS: Readonly<Record<EventKind, readonly string[]>> = {
  generated: [
    'confidence',
    'sharpe_estimate',
    'entry_price',
    'stop_loss',
    'take_profit',
    'quality_score',
    'requested_quantity',
    'position_value',
    'target_price',
  ],
  risk: [],
  submitted: ['quantity', 'limit_price'],
  filled: ['price', 'quantity', 'leaves_quantity', 'fee'],
  outcome: [],
};

/** The same fields as sets, for topLevelValueSpans' `only`. */
export const DECIMAL_FIELD_SETS: Readonly<Record<EventKind, ReadonlySet<string>>> = Object.fromEntries(EVENT_KINDS.map((k) => [k, new Set(DECIMAL_FIELDS[k])])) as Record<EventKind, Set<string>>;

export type SignalGeneratedWire = z.output<typeof signalGeneratedSchema>;
export type RiskDecisionWire = z.output<typeof riskDecisionSchema>;
export type OrderSubmittedWire = z.output<typeof orderSubmittedSchema>;
export type OrderFilledWire = z.output<typeof orderFilledSchema>;
export type SignalOutcomeWire = z.output<typeof signalOutcomeSchema>;
