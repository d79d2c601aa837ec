import type { Problem } from './problem.ts';
import { LIMITS } from './limits.ts';

/**
 * Why a text cannot be stored alike on both databases, or null: PostgreSQL's text and jsonb refuse
 * U+0000, and a lone UTF-16 surrogate is not Unicode (PostgreSQL refuses it in jsonb and a driver
 * would replace it with U+FFFD, while SQLite keeps it).
 */
export function unstorableReason(text: string): string | null {
  if (text.includes('\u0000')) return 'contains U+0000 (NUL), which PostgreSQL cannot store';
  if (!text.isWellFormed()) return 'contains a lone UTF-16 surrogate, which is not Unicode text';
  return null;
}

/** A JSON string literal of at most `max` characters of the text (an ellipsis marks a cut), for problem messages. */
export function quote(text: string, max: number = LIMITS.maxQuotedChars): string {
  return text.length <= max ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, max).toWellFormed())}… (${text.length} characters)`;
}

/** One step of a JSON path: `.name`, `["odd key"]` or `[3]`. */
export function pathSegment(segment: PropertyKey): string {
  if (typeof segment === 'number') return `[${segment}]`;
  if (typeof segment === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) return `.${segment}`;
  return `[${quote(String(segment))}]`;
}

/** A JSON path such as $.checks["max size"] or $.metadata.legs[0]. */
export function toJsonPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const segment of path) out += pathSegment(segment);
  return out;
}

const OPENERS = new Set([0x5b /* [ */, 0x7b /* { */]);

/**
 * True when JSON text nests deeper than `maxDepth`, read from the text alone (strings skipped), for
 * texts long enough that parsing them first could take long: V8 parses 1 MiB of `[` in about a second.
 */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (OPENERS.has(c)) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}

interface Frame {
  value: object;
  depth: number;
  parent: Frame | null;
  key: string | number | null;
}

/** The JSON path of a frame's member, built only when a problem needs it. */
function pathOf(frame: Frame, key: string | number): string {
  const segments: (string | number)[] = [key];
  for (let f: Frame | null = frame; f !== null && f.key !== null; f = f.parent) segments.push(f.key);
  return toJsonPath(segments.reverse());
}

export interface JsonHazardOptions {
  /** look for NUL and lone surrogates in keys and strings (skipped when the source text proves there are none) */
  checkText: boolean;
  /** also require JSON types only (what a repository caller passes may hold undefined, functions, BigInt, Dates) */
  checkTypes?: boolean;
  /** top-level members read from their source text, whose doubles may overflow harmlessly */
  decimals?: readonly string[];
  maxDepth?: number;
  maxProblems?: number;
}

/**
 * The problems of a parsed JSON value that no database stores alike: nesting deeper than `maxDepth`
 * (the value itself is level 1), numbers that overflow a double (JSON.parse reads 1e999 as Infinity,
 * which JSON cannot write back), and, when asked, NUL or lone surrogates in any key or string and values
 * that are not JSON. Iterative, so it never overflows the stack; a path is built only for a problem.
 */
export function findJsonHazards(root: unknown, options: JsonHazardOptions): Problem[] {
  // the common case, nothing to report, is decided by a lean pass; only a hazard pays for paths
  if (!options.checkText && !options.checkTypes && !mayHaveHazards(root, options.decimals ?? [], options.maxDepth ?? LIMITS.maxJsonDepth)) return [];
  const maxDepth = options.maxDepth ?? LIMITS.maxJsonDepth;
  const maxProblems = options.maxProblems ?? 10;
  const problems: Problem[] = [];
  const textAt = (text: string, path: () => string, what: string) => {
    const why = unstorableReason(text);
    if (why !== null) problems.push({ path: path(), message: `${what} ${why}` });
  };
  const rootType = options.checkTypes ? notJson(root) : null;
  if (rootType !== null) return [{ path: '$', message: rootType }];
  if (root === null || typeof root !== 'object') {
    if (typeof root === 'string' && options.checkText) textAt(root, () => '$', 'the text');
    return problems;
  }
  const stack: Frame[] = [{ value: root, depth: 1, parent: null, key: null }];
  let frame = stack[0] as Frame;
  const visit = (key: string | number, child: unknown) => {
    if (options.checkText && typeof key === 'string') textAt(key, () => pathOf(frame, key), 'the key');
    switch (typeof child) {
      case 'string':
        if (options.checkText) textAt(child, () => pathOf(frame, key), 'the text');
        return;
      case 'number':
        if (!Number.isFinite(child) && !(frame.depth === 1 && options.decimals?.includes(key as string))) {
          problems.push({ path: pathOf(frame, key), message: 'a number beyond the range of a double (it reads as Infinity)' });
        }
        return;
      case 'object': {
        if (child === null) return;
        const notJsonType = options.checkTypes ? notJson(child) : null;
        if (notJsonType !== null) problems.push({ path: pathOf(frame, key), message: notJsonType });
        else if (frame.depth >= maxDepth) {
          problems.push({ path: pathOf(frame, key), message: `nested deeper than ${maxDepth} levels` });
        } else stack.push({ value: child, depth: frame.depth + 1, parent: frame, key });
        return;
      }
      default: {
        const notJsonType = options.checkTypes ? notJson(child) : null;
        if (notJsonType !== null) problems.push({ path: pathOf(frame, key), message: notJsonType });
      }
    }
  };
  while (stack.length > 0 && problems.length < maxProblems) {
    frame = stack.pop() as Frame;
    const value = frame.value as Record<string, unknown> & unknown[];
    // a frame stops once enough problems are found: an array of a million bad strings costs no more than ten
    if (Array.isArray(value)) for (let i = 0; i < value.length && problems.length < maxProblems; i++) visit(i, value[i]);
    else {
      for (const key of Object.keys(value)) {
        if (problems.length >= maxProblems) break;
        visit(key, value[key]);
      }
    }
  }
  return problems.slice(0, maxProblems);
}

/**
 * Why a value a caller passed is not JSON (checkTypes), or null: a BigInt, a function or a symbol, or an object
 * that is neither plain nor an array (a Date, a Map, a class instance). undefined is an absent value.
 */
function notJson(value: unknown): string | null {
  if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') return `not a JSON value (a ${typeof value})`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null ? null : `not a JSON value (a ${value.constructor?.name ?? 'non-plain object'})`;
}

/** A lean walk (no paths, no closures): false when the value surely nests within maxDepth and holds no overflowing number. */
function mayHaveHazards(root: unknown, decimals: readonly string[], maxDepth: number): boolean {
  if (root === null || typeof root !== 'object') return false;
  const values: object[] = [root];
  const depths: number[] = [1];
  while (values.length > 0) {
    const value = values.pop() as Record<string, unknown>;
    const depth = depths.pop() as number;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const child: unknown = value[i];
        if (typeof child === 'number') {
          if (!Number.isFinite(child)) return true;
        } else if (typeof child === 'object' && child !== null) {
          if (depth >= maxDepth) return true;
          values.push(child);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    for (const key in value) {
      const child = value[key];
      if (typeof child === 'number') {
        if (!Number.isFinite(child) && !(depth === 1 && decimals.includes(key))) return true;
      } else if (typeof child === 'object' && child !== null) {
        if (depth >= maxDepth) return true;
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
