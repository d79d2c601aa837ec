// The worker's applier loop (src/worker/slice-scheduler.ts) over fake buffers and a fake clock: full slices
// at once, at most `lanes` in hand and never two of one partition number, what lies within the watermark
// only after the patience, past it only while partitions wait paused, failures handed on, and a stop that
// waits for the slices in hand.
import { describe, expect, it } from 'vitest';
import type { Slice } from '../../src/worker/partition-buffers.ts';
import { createSliceScheduler } from '../../src/worker/slice-scheduler.ts';

type Mode = 'full' | 'any' | 'forced';
const slice = (partition: number): Slice => ({ partition, parts: [] });

/** Fake buffers that offer, per mode, the partition numbers listed (each once), skipping those in hand. */
function fakeBuffers(offers: Partial<Record<Mode, number[]>>, state: { holdsMessages?: boolean; anyPaused?: boolean } = {}) {
  const asked: [Mode, number[]][] = [];
  return {
    asked,
    holdsMessages: state.holdsMessages ?? true,
    anyPaused: state.anyPaused ?? false,
    nextSlice(mode: Mode, inFlight: ReadonlySet<number>): Slice | null {
      asked.push([mode, [...inFlight].sort()]);
      const list = offers[mode] ?? [];
      const i = list.findIndex((p) => !inFlight.has(p));
      if (i === -1) return null;
      return slice(list.splice(i, 1)[0] as number);
    },
  };
}

/** A scheduler whose apply records each slice (and the clock then) and holds it until released; its sleep moves the clock and yields. */
function harness(buffers: ReturnType<typeof fakeBuffers>, options: { lanes?: number; fail?: number } = {}) {
  let clock = 0;
  let halted = false;
  const appliedAt: number[] = [];
  const applied: number[] = [];
  const errors: unknown[] = [];
  const releases: (() => void)[] = [];
  const scheduler = createSliceScheduler({
    buffers,
    apply: (s) => {
      applied.push(s.partition);
      appliedAt.push(clock);
      if (s.partition === options.fail) return Promise.reject(new Error(`slice ${s.partition} failed`));
      return new Promise<void>((resolve) => releases.push(resolve));
    },
    onError: (e) => errors.push(e),
    halting: () => halted,
    lanes: options.lanes ?? 3,
    patienceMs: 100,
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
      await new Promise((r) => setImmediate(r));
    },
  });
  const stop = async (run: Promise<void>) => {
    halted = true;
    scheduler.wake();
    releases.splice(0).forEach((r) => r());
    await run;
  };
  const halt = () => {
    halted = true;
    scheduler.wake();
  };
  return { scheduler, applied, appliedAt, errors, releaseAll: () => releases.splice(0).forEach((r) => r()), halt, stop };
}

/** Lets the loop run until `done` holds (or 50 turns of the event loop pass). */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !done(); i++) await new Promise((r) => setImmediate(r));
}

describe('the slice scheduler', () => {
  it('takes full slices at once, at most `lanes` in hand, each of another partition number', async () => {
    const buffers = fakeBuffers({ full: [0, 1, 2, 3] });
    const h = harness(buffers, { lanes: 2 });
    const run = h.scheduler.run();
    await new Promise((r) => setImmediate(r));
    expect(h.applied).toEqual([0, 1]);
    // with both lanes busy it asks for nothing more until one is free
    expect(buffers.asked.filter(([mode]) => mode === 'full').map(([, inFlight]) => inFlight)).toEqual([[], [0]]);
    h.releaseAll();
    await new Promise((r) => setImmediate(r));
    expect(h.applied).toEqual([0, 1, 2, 3]);
    await h.stop(run);
  });

  it('a free lane waits the patience for a full slice, then takes what lies within the watermark; past it only while a partition waits paused', async () => {
    const patient = fakeBuffers({ any: [5], forced: [6] });
    const h = harness(patient);
    const run = h.scheduler.run();
    await until(() => h.applied.length > 0);
    expect(h.applied).toEqual([5]);
    expect(h.appliedAt).toEqual([100]);
    // 'any' only once the patience has passed; never 'forced' without a paused partition
    const modes = patient.asked.map(([mode]) => mode);
    expect(modes.slice(0, 2)).toEqual(['full', 'full']);
    expect(modes).not.toContain('forced');
    await h.stop(run);

    const paused = fakeBuffers({ forced: [7] }, { anyPaused: true });
    const p = harness(paused);
    const runPaused = p.scheduler.run();
    await until(() => p.applied.length > 0);
    expect(p.applied).toEqual([7]);
    expect(p.appliedAt).toEqual([100]);
    expect(paused.asked.map(([mode]) => mode).slice(0, 4)).toEqual(['full', 'full', 'any', 'forced']);
    await p.stop(runPaused);
  });

  it('hands a failed slice to onError and goes on with the others', async () => {
    const buffers = fakeBuffers({ full: [1, 2] });
    const h = harness(buffers, { fail: 1 });
    const run = h.scheduler.run();
    await new Promise((r) => setImmediate(r));
    expect(h.applied).toEqual([1, 2]);
    expect(h.errors).toEqual([new Error('slice 1 failed')]);
    await h.stop(run);
  });

  it('once stopping, takes no new slice and resolves after the slices in hand', async () => {
    const buffers = fakeBuffers({ full: [0] });
    const h = harness(buffers);
    const run = h.scheduler.run();
    await new Promise((r) => setImmediate(r));
    buffers.nextSlice = () => {
      throw new Error('asked after the stop');
    };
    let done = false;
    void run.then(() => (done = true));
    h.halt();
    await until(() => done);
    expect(done).toBe(false);
    h.releaseAll();
    await run;
    expect(h.applied).toEqual([0]);
  });

  it('wakeSoon wakes the loop once, after the current turn of the event loop, however often it is called in it', async () => {
    const buffers = fakeBuffers({}, { holdsMessages: false });
    const h = harness(buffers);
    const run = h.scheduler.run();
    await until(() => buffers.asked.length > 0);
    const before = buffers.asked.length;
    for (let i = 0; i < 3; i++) h.scheduler.wakeSoon();
    await Promise.resolve();
    expect(buffers.asked.length).toBe(before);
    await until(() => buffers.asked.length > before);
    await until(() => false);
    expect(buffers.asked.length).toBe(before + 1);
    await h.stop(run);
  });
});
