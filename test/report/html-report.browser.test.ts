/// <reference lib="dom" />
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';

const root = path.join(import.meta.dirname, '..', '..');
const work = scratchDir('report');
const artifacts = path.join(root, 'test-results');
/** Debian's Chromium (scripts/ensure-chromium.sh installs it); CHROMIUM_PATH points elsewhere. */
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `signal-ledger ARGS` in the scratch directory: what it printed, once it has exited 0. */
function cli(args: string[]) {
  const r = runCli(args, { cwd: work });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe('the HTML report in headless Chromium', () => {
  it('renders every chart and the strategy table, makes no request, logs no error, follows light and dark mode', async () => {
    if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}: run 'bash scripts/ensure-chromium.sh' (apt-get install chromium) or set CHROMIUM_PATH`);
    const db = `sqlite:///${path.join(work, 'r.db')}`;
    cli(['generate', '--signals', '1500', '--spacing-ms', '60000', '--bad', '0.02', '-o', 'events.ndjson']);
    cli(['--db', db, 'ingest', 'events.ndjson', '--json']);
    const printed = cli(['--db', db, 'report', '--html', 'report.html']).trim();
    expect(printed).toBe(path.join(work, 'report.html'));
    const html = readFileSync(printed, 'utf8');
    // nothing that could load anything: no script, no stylesheet link, no import, no url() but in-page references
    expect(/<script|<link|@import|url\((?!#)|src=|href=/i.exec(html)?.[0] ?? null).toBeNull();

    mkdirSync(artifacts, { recursive: true });
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    try {
      const colors: Record<string, { body: string; text: string }> = {};
      for (const scheme of ['light', 'dark'] as const) {
        const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 900 } });
        await context.setOffline(true);
        const page = await context.newPage();
        const problems: string[] = [];
        const requests: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
        });
        page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
        page.on('request', (r) => requests.push(r.url()));
        const url = pathToFileURL(printed).href;
        await page.goto(url, { waitUntil: 'load' });

        const charts = await page.$$eval('figure.chart', (figures) =>
          figures.map((f) => {
            const svg = f.querySelector('svg');
            const box = svg?.getBoundingClientRect();
            return {
              id: f.getAttribute('data-chart'),
              empty: f.hasAttribute('data-empty'),
              width: box?.width ?? 0,
              height: box?.height ?? 0,
              marks: svg?.querySelectorAll('.role-mark path, .role-mark line').length ?? 0,
            };
          }),
        );
        expect(charts.map((c) => c.id)).toEqual(['funnel', 'slippage', 'rejections', 'latency']);
        for (const c of charts) {
          expect(c.empty, c.id ?? '').toBe(false);
          expect(c.width, c.id ?? '').toBeGreaterThan(200);
          expect(c.height, c.id ?? '').toBeGreaterThan(100);
          expect(c.marks, c.id ?? '').toBeGreaterThan(0);
        }
        expect(await page.$$eval('table.strategies tbody tr', (rows) => rows.length)).toBe(5);
        expect(problems).toEqual([]);
        expect(requests).toContain(url); // the listener sees requests: the page itself is one
        expect(requests.filter((r) => r !== url)).toEqual([]);
        colors[scheme] = await page.evaluate(() => ({
          body: getComputedStyle(document.body).backgroundColor,
          text: getComputedStyle(document.querySelector('figure.chart svg text') as Element).fill,
        }));
        await page.screenshot({ path: path.join(artifacts, `report-${scheme}.png`), fullPage: true });
        await context.close();
      }
      expect(colors.light?.body).toBe('rgb(255, 255, 255)');
      expect(colors.dark?.body).not.toBe(colors.light?.body);
      expect(colors.dark?.text).not.toBe(colors.light?.text);
    } finally {
      await browser.close();
    }
  });
});
