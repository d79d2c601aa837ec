// A thread script for test/cli/thread.unit.test.ts: keeps everything it allocates until its heap is full.
const kept: number[][] = [];
for (;;) kept.push(Array.from({ length: 100_000 }, (_, i) => i + kept.length));
