// npm run docs:cli: writes docs/cli.md, the `--help` of every command, as the command line prints it
// (test/cli/cli-reference.unit.test.ts fails when docs/cli.md is stale, so the reference and --help agree).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { createProgram } from '../src/cli/program.ts';

/** The width the reference is wrapped at (a terminal's help wraps at its own width). */
const WIDTH = 100;

/** What `signal-ledger ...NAMES --help` prints, wrapped at WIDTH columns. */
function helpOf(command: Command): string {
  let text = '';
  for (let c: Command | null = command; c !== null; c = c.parent) {
    c.configureOutput({ writeOut: (s) => void (text += s), getOutHelpWidth: () => WIDTH, getOutHasColors: () => false });
  }
  command.outputHelp();
  return text;
}

/** Every command under `command`, itself first, in the order --help lists them. */
function commandsOf(command: Command): Command[] {
  return [command, ...command.commands.flatMap(commandsOf)];
}

const nameOf = (command: Command): string => (command.parent === null ? command.name() : `${nameOf(command.parent)} ${command.name()}`);

/** docs/cli.md: a section per command with its --help. */
export function cliReference(): string {
  const sections = commandsOf(createProgram()).map((c) => `## \`${nameOf(c)}\`\n\n\`\`\`text\n${helpOf(c).trimEnd()}\n\`\`\`\n`);
  return [
    '# Command-line reference',
    '',
    'Every command\'s `signal-ledger ... --help`, as it prints it (wrapped at 100 columns here). Written by',
    '`npm run docs:cli`; a test fails when this file and the command line disagree.',
    '',
    ...sections,
  ].join('\n');
}

if (import.meta.main) {
  const file = path.join(import.meta.dirname, '..', 'docs', 'cli.md');
  writeFileSync(file, cliReference());
  process.stdout.write(`wrote docs/cli.md\n`);
}
