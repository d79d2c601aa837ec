/** Where one member's value lies in a JSON object's text: `text.slice(start, end)` is its source. */
export interface ValueSpan {
  start: number;
  end: number;
}

const isWhitespace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The source span of every member of the top-level JSON object, by key (the last one when a key
 * repeats, as JSON.parse keeps), or of the members `only` names. JSON.parse turns 151.10 into 151.1; the
 * spans keep every value as written. Only called for text that JSON.parse accepted; a single pass,
 * iterative, so any depth is safe.
 */
export function topLevelValueSpans(text: string, only?: ReadonlySet<string>): Map<string, ValueSpan> {
  const out = new Map<string, ValueSpan>();
  const n = text.length;
  let depth = 0;
  let key: string | null = null;
  let valueStart = -1;
  let expectValue = false;
  let backslash = 0;
  const close = (end: number) => {
    // Stryker disable next-line UnaryOperator: valueStart is -1 or the index of a value, which follows `{`, a key and `:`, so it is never 1
    if (key !== null && valueStart !== -1 && (only === undefined || only.has(key))) out.set(key, { start: valueStart, end });
    valueStart = -1;
  };
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const from = i;
      // to the closing quote: the next quote not escaped (preceded by an even number of backslashes)
      for (i = text.indexOf('"', i + 1); i !== -1; i = text.indexOf('"', i + 1)) {
        let backslashes = 0;
        while (text.charCodeAt(i - 1 - backslashes) === 0x5c /* \ */) backslashes++;
        if (backslashes % 2 === 0) break;
      }
      if (i === -1) i = n;
      if (depth === 1 && !expectValue && valueStart === -1) {
        // the next backslash, found once per stretch of text: a key without one is its own text
        if (backslash !== -1 && backslash < from) backslash = text.indexOf('\\', from);
        key = backslash !== -1 && backslash < i ? (JSON.parse(text.slice(from, i + 1)) as string) : text.slice(from + 1, i);
      } else if (depth === 1 && expectValue) {
        valueStart = from;
        close(i + 1);
      }
      expectValue = false;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (depth === 1 && expectValue) valueStart = i;
      depth++;
      expectValue = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
      // Stryker disable next-line UnaryOperator: valueStart is -1 or the index of a value, which follows `{`, a key and `:`, so it is never 1
      if (depth === 1 && valueStart !== -1) close(i + 1);
    } else if (c === 0x3a /* : */) {
      expectValue = depth === 1;
    } else if (c === 0x2c /* , */) {
      expectValue = false;
    } else if (expectValue && !isWhitespace(c)) {
      // a number, true, false or null: up to the next delimiter
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 0x2c || d === 0x7d || d === 0x5d || isWhitespace(d)) break;
        j++;
      }
      valueStart = i;
      close(j);
      expectValue = false;
      i = j - 1;
    }
  }
  return out;
}
