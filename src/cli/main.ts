#!/usr/bin/env node
// The `signal-ledger` command: checks the Node.js version before loading anything else (a dynamic import,
// so that even the parse of the rest waits for the check), then runs the command line of program.ts.
import '../node-version.ts';

// A reader that stops early (`signal-ledger signals list --all | head`) closes the pipe: the command ends
// at once, quietly and with exit code 0, as it would if it had written everything (docs/commands.md).
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

const { runCli } = await import('./program.ts');
process.exitCode = await runCli(process.argv.slice(2));
