import type { Command } from 'commander';
import type { RollupDrift, SignalDrift } from '../../store/index.ts';
import { InputError } from '../../errors.ts';
import { withStore, type GlobalOptions } from '../context.ts';
import { checkTimeFlags } from '../flags.ts';
import { escapeControls } from '../output.ts';
import { lazyBar } from '../progress.ts';

/** A stored or expected value on one line of text: JSON for anything but text, at most 200 characters. */
function shown(value: unknown): string {
  // JSON has no undefined: a value no column holds (which the comparisons never report) reads as nothing
  const text = JSON.stringify(value) ?? 'nothing';
  return escapeControls(text.length > 200 ? `${text.slice(0, 200)}… (${text.length} characters)` : text);
}

const driftLine = (d: SignalDrift) => `signal ${escapeControls(JSON.stringify(d.signalId))}: ${escapeControls(d.field)}: stored ${shown(d.stored)}, its events give ${shown(d.expected)}`;
const rollupLine = (d: RollupDrift) => `${d.table} ${escapeControls(d.key)}: ${d.measure}: stored ${shown(d.stored)}, the rows give ${shown(d.expected)}`;

const snakeDrift = (d: SignalDrift) => ({ signal_id: d.signalId, field: d.field, stored: d.stored, expected: d.expected });

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('prove the records are what their events give: parse every audit payload again, refold each signal and compare it field by field, and compare the rollups with a rebuild from the rows (exit 1 on any difference)')
    .option('--from <time>', 'only signals generated at or after (RFC 3339 or a date)')
    .option('--to <time>', 'only signals generated before (exclusive); with --root, the time the root was taken for (everything received by then)')
    .option('--strategy <name>', 'only this strategy')
    .option('--root <hex>', 'also prove that nothing received by --to changed since `signal-ledger digest --to` printed this root (checks every signal)')
    .option('--json', 'print a JSON object: each difference, then the counts')
    .action(async (opts: { from?: string; to?: string; strategy?: string; root?: string; json?: boolean }, cmd: Command) => {
      await checkTimeFlags({ '--from': opts.from, '--to': opts.to });
      if (opts.root !== undefined) {
        if (!/^[0-9a-fA-F]{64}$/.test(opts.root)) throw InputError.invalid('--root', `a sha256 in hex, as signal-ledger digest prints it (got ${JSON.stringify(opts.root.slice(0, 80))})`);
        if (opts.from !== undefined || opts.strategy !== undefined) throw InputError.invalid('--root', 'proves the whole ledger received by --to: leave out --from and --strategy');
      }
      await withStore(cmd.optsWithGlobals<GlobalOptions>(), async (store) => {
        const { computeLedgerDigest, verifyLedger } = await import('../../store/index.ts');
        const bar = lazyBar('verify [{bar}] {value}/{total} signals | {eta_formatted} left', !opts.json);
        // differences are written as they are found: a ledger that drifted everywhere is never held in memory
        let first = true;
        const write = (text: string) => process.stdout.write(text);
        if (opts.json) write('{"drift":[');
        const root = opts.root === undefined ? null : await computeLedgerDigest(store, { to: opts.to });
        const rootMatches = root === null || root.root === opts.root?.toLowerCase();
        const result = await verifyLedger(store, {
          from: opts.from,
          to: root === null ? opts.to : undefined,
          strategy: opts.strategy,
          onDrift: (d) => {
            if (opts.json) write(`${first ? '\n' : ',\n'}${JSON.stringify(snakeDrift(d))}`);
            else write(`${bar.drawn ? '\n' : ''}${driftLine(d)}\n`);
            first = false;
          },
          onProgress: (checked, total) => bar.update(checked, total),
        });
        bar.stop();
        const counts = { signals: result.signals, events: result.events, rollup_rows: result.rollupRows, drifted_signals: result.driftedSignals, differences: result.differences };
        const rootJson = root === null ? '' : `,\n"root":${JSON.stringify({ given: opts.root?.toLowerCase(), computed: root.root, to: root.to, matches: rootMatches })}`;
        if (opts.json) {
          write(`${first ? '' : '\n'}],\n"rollup_drift":${JSON.stringify(result.rollupDrift)}${rootJson},\n"counts":${JSON.stringify(counts)}}\n`);
        } else {
          for (const d of result.rollupDrift) write(`${rollupLine(d)}\n`);
          if (root !== null) {
            const by = root.to === null ? 'everything received' : `everything received by ${root.to}`;
            write(rootMatches ? `root matches: ${by} is as it was when the root was taken\n` : `root differs: ${by} changed since the root was taken (it gives ${root.root})\n`);
          }
          const checked = `${result.signals} signals, ${result.events} events and ${result.rollupRows} rollup rows`;
          write(
            result.differences === 0
              ? `verified ${checked}: no drift\n`
              : `drift: ${result.differences} difference(s), in ${result.driftedSignals} signal(s) and ${result.rollupDrift.length} rollup figure(s), verifying ${checked}\n`,
          );
        }
        if (result.differences > 0 || !rootMatches) process.exitCode = 1;
      }, 'read');
    });
}
