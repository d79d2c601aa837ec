// Regression: `signals get ID --json --audit` printed the audit entries with camelCase keys (eventId,
// receivedAt, statusBefore...) inside an otherwise snake_case document.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';

const work = scratchDir('snake');
const cli = (args: string[]) => runCli(['--db', 'sqlite:///snake.db', ...args], { cwd: work });

/** Every key of a JSON document outside the free-form data fields (event metadata, risk checks, payloads). */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => (['signal_metadata', 'risk_check_details', 'rejection_summary'].includes(k) ? [k] : [k, ...keysOf(v)]));
}

describe('--json of signals and report', () => {
  it('is snake_case throughout, the audit trail included', () => {
    expect(runCli(['generate', '--signals', '20', '-o', 'events.ndjson'], { cwd: work }).code).toBe(0);
    expect(cli(['ingest', 'events.ndjson']).code).toBe(0);
    const outputs = [
      ['signals', 'get', 'sig-00000003', '--json', '--audit'],
      ['signals', 'get', 'sig-00000003', '--json'],
      ['signals', 'list', '--json'],
      ['report', '--json'],
      ['report', '--by', 'strategy', '--json'],
      ['report', '--by', 'day', '--json'],
    ].map((args) => {
      const r = cli(args);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as unknown;
    });
    const audit = (outputs[0] as { audit_trail: Record<string, unknown>[] }).audit_trail;
    expect(audit.length).toBeGreaterThan(0);
    expect(Object.keys(audit[0] ?? {})).toEqual(['event_id', 'signal_id', 'kind', 'occurred_at', 'received_at', 'source', 'status_before', 'status_after', 'anomaly', 'payload', 'content_hash']);
    for (const output of outputs) expect(keysOf(output).filter((k) => !/^[a-z0-9_]+$/.test(k))).toEqual([]);
  });
});
