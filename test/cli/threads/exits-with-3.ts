// A thread script for test/cli/thread.unit.test.ts: ends without a message.
process.exit(3);
