// The Prometheus alert rules operators load (docs/alert-rules.yml): valid for Prometheus's own promtool (from
// Debian's prometheus package: scripts/ensure-promtool.sh), firing when they should and not before in the
// cases of test/ops/alert-rules.promtool.yml, and naming only metrics the worker exports, each with a runbook
// section of docs/operations.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startHealthServer } from '../../src/worker/health-server.ts';
import { createWorkerMetrics } from '../../src/worker/worker-metrics.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const RULES = path.join(ROOT, 'docs', 'alert-rules.yml');
type Rule = { alert: string; expr: string; annotations: { runbook: string } };
const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

describe('the alert rules', () => {
  let promtool: string;
  beforeAll(() => {
    promtool = execFileSync('bash', [path.join(ROOT, 'scripts', 'ensure-promtool.sh')], { encoding: 'utf8', timeout: 300_000 }).trim();
  }, 300_000);

  it('pass promtool check rules', () => {
    const r = spawnSync(promtool, ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(r.status).toBe(0);
  });

  it('fire as promtool test rules expects: a stall, high lag, dead letters, database retries, not ready, down; nothing for a healthy worker', () => {
    const r = spawnSync(promtool, ['test', 'rules', path.join(ROOT, 'test', 'ops', 'alert-rules.promtool.yml')], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('name only metrics the worker exports (and Prometheus’s up), each alert with a runbook section that exists', async () => {
    const metrics = createWorkerMetrics();
    const server = await startHealthServer({ host: '127.0.0.1', port: 0, registry: metrics.registry, health: () => ({ kafka: true, database: true }) });
    await server.close();
    const exported = new Set([...(await metrics.registry.getMetricsAsJSON()).map((m) => m.name), 'up']);
    const named = new Set(rules.flatMap((r) => [...r.expr.matchAll(/\b(ledger_[a-z_]+|up)\b/g)].map((m) => m[1] as string)));
    expect([...named].filter((n) => !exported.has(n))).toEqual([]);
    const operations = readFileSync(path.join(ROOT, 'docs', 'operations.md'), 'utf8');
    const anchors = new Set([...operations.matchAll(/^#{2,4} (.+)$/gm)].map((m) => (m[1] as string).toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').replace(/\s/g, '-')));
    for (const r of rules) {
      const [file, anchor] = r.annotations.runbook.split('#');
      expect(file).toBe('docs/operations.md');
      expect(anchors.has(anchor as string), `${r.alert}: no section #${anchor}`).toBe(true);
    }
  });
});
