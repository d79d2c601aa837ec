import type { ReportData } from './report-data.ts';

/**
 * The report as one self-contained HTML page: charts are Vega-Lite specs rendered to SVG here, in
 * Node, and inlined, so the page has no script, no font and no request of its own; it opens offline
 * and can be attached to a mail. Colours follow the reader's light or dark preference through CSS.
 */

type Spec = Record<string, unknown>;

const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#eeca3b', '#9d755d', '#ff9da6', '#bab0ac'];

const CONFIG = {
  background: null,
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  view: { stroke: null },
  range: { category: PALETTE },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridOpacity: 0.35, labelLimit: 220 },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', orient: 'bottom' },
};

async function toSvg(spec: Spec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile({ ...spec, config: CONFIG } as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const escapeHtml = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);
const num = (x: string | number | null, places = 2) => (x === null ? '–' : Number(x).toLocaleString('en-US', { maximumFractionDigits: places }));
const ms = (x: number | null) => (x === null ? '–' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);
const label = (s: string | null) => s ?? '(no details)';

function funnelSpec(d: ReportData): Spec | null {
  const f = d.stats.funnel;
  if (f.signals === 0) return null;
  const values = [
    { stage: 'generated', signals: f.signals },
    { stage: 'passed risk', signals: f.passedRisk },
    { stage: 'order submitted', signals: f.submitted },
    { stage: 'filled (any)', signals: f.filled },
    { stage: 'executed', signals: f.executed },
  ].map((v) => ({ ...v, share: v.signals / f.signals }));
  return {
    width: 520,
    height: 170,
    data: { values },
    encoding: { y: { field: 'stage', type: 'nominal', sort: null, title: null }, x: { field: 'signals', type: 'quantitative', title: 'signals' } },
    layer: [
      { mark: { type: 'bar', color: PALETTE[0], cornerRadiusEnd: 2 } },
      { mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 }, encoding: { text: { field: 'share', type: 'quantitative', format: '.1%' } } },
    ],
  };
}

function slippageSpec(d: ReportData): Spec | null {
  const values = d.slippage.filter((s) => s.count > 0).map((s) => ({
    strategy: label(s.key),
    min: Number(s.min),
    p25: Number(s.p25),
    median: Number(s.median),
    p75: Number(s.p75),
    p95: Number(s.p95),
    max: Number(s.max),
    count: s.count,
  }));
  if (values.length === 0) return null;
  const y = { field: 'strategy', type: 'nominal', title: null };
  return {
    width: 520,
    height: { step: 28 },
    data: { values },
    layer: [
      { mark: { type: 'rule', color: '#888' }, encoding: { y, x: { field: 'min', type: 'quantitative', title: 'slippage (bps, positive = adverse)' }, x2: { field: 'max' } } },
      { mark: { type: 'bar', size: 14, color: PALETTE[1], opacity: 0.85 }, encoding: { y, x: { field: 'p25', type: 'quantitative' }, x2: { field: 'p75' } } },
      { mark: { type: 'tick', size: 18, thickness: 2, color: '#222' }, encoding: { y, x: { field: 'median', type: 'quantitative' } } },
      { mark: { type: 'point', shape: 'diamond', filled: true, size: 50, color: PALETTE[3] }, encoding: { y, x: { field: 'p95', type: 'quantitative' } } },
    ],
  };
}

function rejectionSpec(d: ReportData): Spec | null {
  const values = d.rejections.byStrategy.flatMap((s) => s.reasons.map((r) => ({ strategy: label(s.strategy), reason: r.reason, signals: r.count })));
  if (values.length === 0) return null;
  return {
    width: 520,
    height: { step: 24 },
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'reason', type: 'nominal', sort: '-x', title: null },
      x: { aggregate: 'sum', field: 'signals', type: 'quantitative', title: 'rejected signals' },
      color: { field: 'strategy', type: 'nominal', title: 'strategy' },
    },
  };
}

function latencySpec(d: ReportData): Spec | null {
  const values = d.latency.points.flatMap((p) =>
    (['latencyP50', 'latencyP95', 'latencyP99'] as const).flatMap((m) => (p[m] === null || p[m] === undefined ? [] : [{ bucket: p.bucket, percentile: m.slice(7).toLowerCase(), ms: p[m] }])),
  );
  if (values.length === 0) return null;
  return {
    width: 520,
    height: 200,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'bucket', type: 'temporal', title: d.latency.bucket === 'hour' ? 'hour (UTC)' : 'day (UTC)', axis: d.latency.bucket === 'hour' ? { format: '%b %d %H:%M', labelOverlap: true } : { format: '%b %d', tickCount: { interval: 'day', step: 1 } } },
      y: { field: 'ms', type: 'quantitative', title: 'generated → executed (ms)' },
      color: { field: 'percentile', type: 'nominal', title: 'percentile', sort: ['p50', 'p95', 'p99'] },
    },
  };
}

async function figure(id: string, title: string, caption: string, spec: Spec | null): Promise<string> {
  const body = spec === null ? `<p class="empty">No data in this window.</p>` : await toSvg(spec);
  return `<figure class="chart" data-chart="${id}"${spec === null ? ' data-empty="true"' : ''}><figcaption><h2>${escapeHtml(title)}</h2><p>${escapeHtml(caption)}</p></figcaption>${body}</figure>`;
}

function strategyTable(d: ReportData): string {
  const head = ['strategy', 'signals', 'pass rate', 'execution rate', 'executed notional', 'mean slippage (bps)', 'fees', 'p50 to executed', 'confidence: executed / rejected'];
  const rows = d.strategies.map((s) => [
    label(s.strategy),
    num(s.signals, 0),
    pct(s.passRate),
    pct(s.executionRate),
    num(s.executedNotional),
    num(s.meanSlippageBps, 2),
    num(s.fees),
    ms(s.latencyToExecutedMs.p50),
    `${num(s.executed.meanConfidence, 3)} / ${num(s.rejected.meanConfidence, 3)}`,
  ]);
  return `<table class="strategies"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => `<td${i > 0 ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const STYLE = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1d232a; --muted: #5b6570; --card: #f4f6f8; --line: #d5dbe1; --grid: #d5dbe1; }
@media (prefers-color-scheme: dark) { :root { --bg: #14181d; --fg: #e6e9ec; --muted: #9aa4ae; --card: #1e242b; --line: #39424c; --grid: #39424c; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; color: var(--muted); }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 12px; margin: 20px 0 8px; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.kpi b { display: block; font-size: 20px; font-variant-numeric: tabular-nums; }
.kpi span { color: var(--muted); font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; margin-top: 16px; }
figure.chart { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; overflow-x: auto; }
figcaption h2 { margin: 0; font-size: 15px; }
figcaption p { margin: 2px 0 8px; color: var(--muted); font-size: 12px; }
figure.chart svg { max-width: 100%; height: auto; }
figure.chart svg text { fill: var(--fg); }
figure.chart svg .role-axis-grid path, figure.chart svg .role-axis-grid line { stroke: var(--grid); }
figure.chart svg .role-axis-domain path, figure.chart svg .role-axis-tick path, figure.chart svg .role-axis-domain line, figure.chart svg .role-axis-tick line { stroke: var(--muted); }
.empty { color: var(--muted); }
section.table { margin-top: 20px; }
section.table h2 { font-size: 15px; margin: 0 0 8px; }
table { border-collapse: collapse; width: 100%; background: var(--card); border: 1px solid var(--line); border-radius: 8px; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
td.num { text-align: right; }
th { font-weight: 600; color: var(--muted); font-size: 12px; }
footer { margin-top: 24px; color: var(--muted); font-size: 12px; }
`;

/** The whole page. */
export async function renderHtmlReport(d: ReportData): Promise<string> {
  const s = d.stats;
  const w = d.window;
  const scope = [
    `${w.from === undefined ? 'from the beginning' : `from ${String(w.from instanceof Date ? w.from.toISOString() : w.from)}`}`,
    `${w.to === undefined ? 'to now' : `to ${String(w.to instanceof Date ? w.to.toISOString() : w.to)} (exclusive)`}`,
    ...(w.strategy === undefined ? [] : [`strategy ${w.strategy}`]),
    ...(w.symbol === undefined ? [] : [`symbol ${w.symbol}`]),
  ].join(', ');
  const kpis: [string, string][] = [
    ['signals', num(s.totalSignals, 0)],
    ['passed risk', pct(s.passRate)],
    ['executed', pct(s.executionRate)],
    ['fill ratio', s.fillRatio === null ? '–' : pct(Number(s.fillRatio))],
    ['mean slippage', s.slippageBps.mean === null ? '–' : `${num(s.slippageBps.mean, 2)} bps`],
    ['p95 slippage', s.slippageBps.p95 === null ? '–' : `${num(s.slippageBps.p95, 2)} bps`],
    ['fees', num(s.totalFees)],
    ['p50 to executed', ms(s.latencyMs.generatedToExecuted.p50)],
    ['p99 to executed', ms(s.latencyMs.generatedToExecuted.p99)],
  ];
  const charts = await Promise.all([
    figure('funnel', 'Status funnel', 'How far signals got: each stage counts the signals that reached it, with its share of all signals.', funnelSpec(d)),
    figure('slippage', 'Slippage by strategy', 'Basis points, positive = adverse: bar p25–p75, tick median, diamond p95, line min–max.', slippageSpec(d)),
    figure('rejections', 'Rejection reasons', 'Rejected signals by the reason of their risk decision, by strategy.', rejectionSpec(d)),
    figure('latency', 'Latency over time', `Generated → executed, percentiles per ${d.latency.bucket} (UTC), executed signals.`, latencySpec(d)),
  ]);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>signal-ledger report</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>signal-ledger report</h1><p>${escapeHtml(scope)} · ${escapeHtml(d.database)} · made ${escapeHtml(d.generatedAt)}</p></header>
<section class="kpis">${kpis.map(([k, v]) => `<div class="kpi"><b>${escapeHtml(v)}</b><span>${escapeHtml(k)}</span></div>`).join('')}</section>
<section class="charts">${charts.join('\n')}</section>
<section class="table"><h2>Strategies</h2>${strategyTable(d)}</section>
<footer>Windows are half-open on generated_at; rates and percentiles are computed by the database (nearest rank). signal-ledger</footer>
</body>
</html>
`;
}
