/**
 * Characters a terminal acts on instead of printing: C0 controls, DEL, C1 controls (ESC and CSI start
 * cursor moves and screen clears), and the bidi formatting characters that reorder the text around them
 * (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), plus the line and paragraph separators.
 */
const TERMINAL_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Text for a terminal: every control or bidi character written visibly as \xNN or \uNNNN, the rest as it is. */
export function escapeControls(text: string): string {
  return text.replace(TERMINAL_CONTROLS, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * A usage error that quotes what was typed (an unknown option such as --dburl=postgresql://u:pw@h/db, a
 * bad choice), with every word holding "://" or "@" replaced by ***: it may be a URL with a password.
 */
export function hideUrls(text: string): string {
  return text
    .split(/([\s'"=]+)/)
    .map((word) => (word.includes('://') || word.includes('@') ? '***' : word))
    .join('');
}

/** A plain aligned text table for terminals; cells are shown with escapeControls. */
export function formatTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [headers.map((h) => escapeControls(h)), ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : escapeControls(String(c)))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => r[i] === null || r[i] === undefined || /^-?[\d.]+%?$/.test(String(r[i]))));
  const line = (r: readonly string[]) =>
    r.map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(cells[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

function csvCell(value: unknown): string {
  const s = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV with a header line; values exactly as they are. */
export function formatCsv(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [headers.map(csvCell).join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\n');
}

/** camelCase keys to snake_case, all the way down (values untouched), as in the database and every `--json`. */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeKeys(v)]));
}
