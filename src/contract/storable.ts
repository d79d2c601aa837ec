import { unstorableReason } from './json-hazards.ts';
import type { Problem } from './problem.ts';

// What both databases store alike, from any input: texts, keys and problems made storable without losing
// anything (dead letters keep every message whatever its bytes).

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Text that both databases store alike, losing nothing: the text itself when it is Unicode without
 * NUL; else `base64:` of its bytes (`bytes` when given, else its UTF-8); and a JS string that is not
 * Unicode (a lone surrogate, which UTF-8 cannot encode) as `json:` and its JSON string literal.
 */
export function storableRaw(text: string, bytes?: Uint8Array): string {
  if (unstorableReason(text) === null) return text;
  if (bytes === undefined && !text.isWellFormed()) return `json:${JSON.stringify(text)}`;
  return `base64:${Buffer.from(bytes ?? Buffer.from(text, 'utf8')).toString('base64')}`;
}

/**
 * A short text field (key, topic, id) that both databases store alike: itself when it is Unicode
 * without NUL and within `maxChars`, else with NUL and lone surrogates written as \u escapes and cut
 * to `maxChars` (then ending in "…").
 */
export function storableText(text: string, maxChars: number): string {
  let out = unstorableReason(text) === null ? text : text.replace(/\u0000|\p{Surrogate}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (out.length > maxChars) out = `${out.slice(0, maxChars - 1).toWellFormed()}…`;
  return out;
}

/** Problems as both databases store them: a problem may quote the input (V8's JSON.parse messages do), NUL and lone surrogates included. */
export function storableProblems(problems: readonly Problem[]): Problem[] {
  return problems.map((p) => ({ path: storableText(p.path, 1_000), message: storableText(p.message, 2_000) }));
}

/** A message key as stored: its UTF-8 text, or the marked base64 of its bytes when they are not storable text. */
export function keyText(key: Uint8Array | string | null | undefined): string | null {
  if (key == null) return null;
  if (typeof key === 'string') return storableRaw(key);
  try {
    return storableRaw(utf8.decode(key), key);
  } catch {
    return `base64:${Buffer.from(key).toString('base64')}`;
  }
}
