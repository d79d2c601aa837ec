/**
 * The source text of every number that is a direct member of the top-level JSON object, by key.
 * JSON.parse turns 151.10 into 151.1; this keeps the digits as written. Only called for valid JSON.
 */
export function topLevelNumberSources(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let depth = 0;
  let i = 0;
  let lastKey: string | null = null;
  let expectValue = false;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) j += 2;
        else if (d === 0x22) break;
        else j++;
      }
      if (depth === 1 && !expectValue) lastKey = JSON.parse(text.slice(i, j + 1)) as string;
      expectValue = false;
      i = j + 1;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      expectValue = false;
      i++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
      i++;
    } else if (c === 0x3a /* : */) {
      expectValue = depth === 1;
      i++;
    } else if (c === 0x2c /* , */) {
      expectValue = false;
      i++;
    } else if (expectValue && (c === 0x2d || (c >= 0x30 && c <= 0x39))) {
      let j = i + 1;
      while (j < n && /[0-9eE+\-.]/.test(text[j] as string)) j++;
      if (lastKey !== null) out.set(lastKey, text.slice(i, j));
      expectValue = false;
      i = j;
    } else {
      i++;
    }
  }
  return out;
}
