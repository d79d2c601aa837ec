import { hash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth (by UTF-16 code units) and no whitespace: equal values
 * give equal text. Derived event ids and content hashes hash it, so its output never changes. Written by
 * JSON.stringify over the value with its keys in sorted order (about 1.7 times faster than building the text
 * here), except where insertion order is not output order, which canonicalText writes.
 */
export function canonicalJson(value: unknown): string {
  const sorted = inSortedOrder(value);
  return sorted === UNSORTABLE ? canonicalText(value) : (JSON.stringify(sorted) ?? 'null');
}

/**
 * The canonical JSON of a plain object (as JSON.parse makes) without one of its members, as canonicalJson of a copy
 * without it would write, without making that copy first: the content of a message is the message without its
 * event_id. (The sorted object JSON.stringify writes is still a new one when the member is there or the keys are out
 * of order.)
 */
export function canonicalJsonWithout(obj: Record<string, unknown>, omit: string): string {
  const sorted = inSortedOrder(obj, omit);
  // Stryker disable next-line ConditionalExpression: equivalent: canonicalText writes the same text for any value (a property in canonical-json.unit.test.ts); this is the faster way
  if (sorted !== UNSORTABLE) return JSON.stringify(sorted);
  const { [omit]: _omitted, ...rest } = obj;
  return canonicalText(rest);
}

const UNSORTABLE: unique symbol = Symbol('unsortable');

/**
 * The value with every object's keys in sorted order: the value itself where they already are (an object or
 * array is copied only when something in it had to be reordered), or UNSORTABLE when JSON.stringify would not
 * write it in that order: a key that may be an array index (objects list those first, in numeric order), or a
 * value that is not JSON (a function, a symbol: canonicalText writes null for it, where JSON.stringify drops it).
 * `omit`, a key of the top-level object, is left out of the copy of it, which is then always made.
 */
function inSortedOrder(value: unknown, omit?: string): unknown {
  if (value === null || typeof value !== 'object') {
    return value === null || value === undefined || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : UNSORTABLE;
  }
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const element: unknown = value[i];
      const sorted = inSortedOrder(element);
      if (sorted === UNSORTABLE) return UNSORTABLE;
      if (sorted !== element && out === null) out = value.slice(0, i);
      out?.push(sorted);
    }
    return out ?? value;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  let unsorted = false;
  for (let i = 1; i < keys.length && !unsorted; i++) unsorted = (keys[i - 1] as string) > (keys[i] as string);
  if (unsorted) keys.sort();
  // the member left out, at the top level only (canonicalJsonWithout): the object is then always copied
  // Stryker disable next-line ConditionalExpression: equivalent: keys are strings, so indexOf(undefined) is -1 too; the test spares the search in every nested object
  const omitted = omit === undefined ? -1 : keys.indexOf(omit);
  if (omitted !== -1) keys.splice(omitted, 1);
  let changed = unsorted || omitted !== -1;
  const members: unknown[] = [];
  for (const k of keys) {
    const first = k.charCodeAt(0);
    if (first >= 0x30 && first <= 0x39) return UNSORTABLE;
    const v = obj[k];
    const sorted = inSortedOrder(v);
    if (sorted === UNSORTABLE) return UNSORTABLE;
    changed ||= sorted !== v;
    members.push(sorted);
  }
  if (!changed) return obj;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    // a "__proto__" key from JSON is data: assigning it would set the prototype and drop it
    if (k === '__proto__') Object.defineProperty(out, k, { value: members[i], enumerable: true, writable: true, configurable: true });
    else out[k] = members[i];
  }
  return out;
}

/** The canonical text built member by member: the reference canonicalJson must equal, and its path for what sortedCopy cannot order. */
export function canonicalText(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalText(value[i]);
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length > 1) keys.sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalText(v)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * The value with its object keys sorted at every depth (for stable output of stored JSON): the value itself
 * where they already are, copied only where something had to be reordered, as canonicalJson sorts; a value it
 * cannot order that way (a key that may be an array index, a function) is copied whole.
 */
export function sortKeysDeep<T>(value: T): T {
  const sorted = inSortedOrder(value);
  return (sorted === UNSORTABLE ? sortedCopy(value) : sorted) as T;
}

function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sortedCopy);
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj).sort()) {
    // a "__proto__" key from JSON is data: assigning it would set the prototype and drop it
    if (k === '__proto__') Object.defineProperty(out, k, { value: sortedCopy(obj[k]), enumerable: true, writable: true, configurable: true });
    else out[k] = sortedCopy(obj[k]);
  }
  return out;
}

/** One-shot hashing: about half the cost of createHash().update().digest() for a message's few hundred bytes. */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}
