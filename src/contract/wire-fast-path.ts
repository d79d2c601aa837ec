import type * as z from 'zod';
import * as validators from './generated/wire-validators.ts';
import { EVENT_KINDS, type EventKind, WIRE_SCHEMAS, type WireRefinements, wireRefinements } from './schemas.ts';

// The parse path's validation: most messages are valid, and zod takes about 10 µs to say so. The JSON Schemas
// published in schemas/ (generated from the zod schemas), compiled by Ajv into plain functions, check the
// structure in well under a microsecond; the rules a JSON Schema cannot say (a decimal's limits and sign, a
// timestamp's calendar and range, the size of metadata, a rejection's reason) are the zod schemas' own
// refinements, run here on the same values. When either says no, zod parses the message again, and its issues
// are the message's problems: zod stays the one source of the schemas and of every error message.

/** What zod's safeParse gives: the event's fields as parsed (decimals and timestamps in their stored form), or zod's error. */
export type WireResult = { success: true; data: Record<string, unknown> } | { success: false; error: z.ZodError };

type Validate = (data: unknown) => boolean;
const VALIDATE: Readonly<Record<EventKind, Validate>> = validators;
const REFINEMENTS: Readonly<Record<EventKind, WireRefinements>> = Object.fromEntries(EVENT_KINDS.map((kind) => [kind, wireRefinements(kind)])) as Record<EventKind, WireRefinements>;

/**
 * The fields of a message as zod's schema would give them, or null when the compiled check or a refinement
 * refuses it (zod then says why). Never changes `input`: a field it normalizes is written to a copy.
 */
export function parseWireFast(kind: EventKind, input: Record<string, unknown>): Record<string, unknown> | null {
  if (!VALIDATE[kind](input)) return null;
  const { fields, check } = REFINEMENTS[kind];
  let data: Record<string, unknown> | null = null;
  for (const [field, refine] of fields) {
    const value = input[field];
    // absent, or null where the schema allows null (the validator has refused it anywhere else)
    if (value === undefined || value === null) continue;
    const r = refine(value);
    if ('error' in r) return null;
    if (r.value !== value) {
      data ??= { ...input };
      data[field] = r.value;
    }
  }
  const out = data ?? input;
  return check === null || check(out) ? out : null;
}

/** Validates and normalizes a message's fields: the compiled fast path when it accepts them, zod otherwise. */
export function parseWire(kind: EventKind, input: Record<string, unknown>): WireResult {
  const fast = parseWireFast(kind, input);
  if (fast !== null) return { success: true, data: fast };
  return WIRE_SCHEMAS[kind].safeParse(input) as WireResult;
}
