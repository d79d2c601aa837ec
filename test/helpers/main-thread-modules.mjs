// Loaded with --import into the `signal-ledger` command (test/cli/lean-main-thread.e2e.test.ts): records each
// module the main thread loads (not its worker threads', which inherit --import) and writes their URLs, one a
// line, to $MAIN_THREAD_MODULES as the process exits.
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  const loaded = [];
  registerHooks({
    load(url, context, nextLoad) {
      loaded.push(url);
      return nextLoad(url, context);
    },
  });
  process.on('exit', () => writeFileSync(process.env.MAIN_THREAD_MODULES, loaded.join('\n')));
}
