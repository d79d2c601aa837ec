// Preloaded (node --import) into the `signal-ledger` subprocesses the tests start during a mutation run
// (test/helpers/cli.ts), and into their worker threads, which inherit the flag. Stryker's instrumented
// code activates the mutant named by $__STRYKER_ACTIVE_MUTANT__ itself; what it does not do across a
// process boundary is report which mutants the command ran. This module names the current test
// ($STRYKER_CLI_TEST_ID) so that the instrumented code counts its coverage per test, and writes that
// coverage to $STRYKER_CLI_COVERAGE.<thread>.json when the process or thread exits (a thread also as it posts
// its last message); the test helper merges it into the test process's own, so Stryker runs each CLI mutant
// against the tests that reach it.
import { writeFileSync } from 'node:fs';
import { parentPort, threadId } from 'node:worker_threads';

const file = process.env.STRYKER_CLI_COVERAGE;
if (file !== undefined && file !== '') {
  const ns = (globalThis.__stryker__ ??= {});
  ns.currentTestId = process.env.STRYKER_CLI_TEST_ID || undefined;
  const write = () => {
    if (ns.mutantCoverage !== undefined) writeFileSync(`${file}.${threadId}.json`, JSON.stringify(ns.mutantCoverage));
  };
  process.on('exit', write);
  // A command's thread says it is done, or failed, as its last message (src/cli/thread.ts), and the main thread
  // may then terminate it (the worker does), which runs no exit handler: its coverage is written before it says so.
  if (parentPort !== null) {
    const post = parentPort.postMessage.bind(parentPort);
    parentPort.postMessage = (message, transfer) => {
      if (message?.type === 'done' || message?.type === 'error') write();
      return post(message, transfer);
    };
  }
}
