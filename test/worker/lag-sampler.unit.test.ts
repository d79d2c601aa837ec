// The worker's lag (src/worker/lag-sampler.ts), sampled from end offsets and what the worker holds, with a
// hand-driven clock: messages behind per partition, and the age of the oldest message not applied, which
// must rise while nothing is applied (the database away, the partition paused), and through a broker outage.
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LagSampler, type LagSources, sampleLagEvery } from '../../src/worker/lag-sampler.ts';
import { readPartitionOffsets } from '../../src/worker/partition-offsets.ts';
import { createWorkerMetrics } from '../../src/worker/worker-metrics.ts';

const P0 = { key: 'signals.generated:0', topic: 'signals.generated', partition: 0 };
const P1 = { key: 'signals.generated:1', topic: 'signals.generated', partition: 1 };

/** Sources whose every answer a test sets. */
function world() {
  const w = {
    ends: new Map<string, { low: bigint; high: bigint }>(),
    brokerDown: false,
    assigned: [P0, P1],
    applied: new Map<string, bigint>(),
    pending: new Map<string, number>(),
  };
  const sources: LagSources = {
    ends: async () => {
      if (w.brokerDown) throw new Error('broker away');
      return new Map(w.ends);
    },
    assigned: () => w.assigned,
    applied: (key) => w.applied.get(key),
    oldestPending: (key) => w.pending.get(key),
  };
  return { w, sampler: new LagSampler(sources) };
}

describe('LagSampler', () => {
  it('messages: the end offset less the next offset the store holds; a partition with no checkpoint counts from its earliest offset', async () => {
    const { w, sampler } = world();
    w.ends.set(P0.key, { low: 0n, high: 120n }).set(P1.key, { low: 40n, high: 100n });
    w.applied.set(P0.key, 100n);
    await sampler.refresh();
    expect(sampler.sample(0).map((l) => l.messages)).toEqual([20, 60]);
  });

  it('seconds: 0 when caught up; else the age of the oldest message fetched and not applied, from its produce time', async () => {
    const { w, sampler } = world();
    w.ends.set(P0.key, { low: 0n, high: 50n }).set(P1.key, { low: 0n, high: 50n });
    w.applied.set(P0.key, 50n).set(P1.key, 30n);
    w.pending.set(P1.key, 1_000_000);
    await sampler.refresh();
    expect(sampler.sample(1_004_500)).toEqual([
      { topic: 'signals.generated', partition: 0, messages: 0, seconds: 0 },
      { topic: 'signals.generated', partition: 1, messages: 20, seconds: 4.5 },
    ]);
  });

  it('a stall (nothing applied: the database away, or the partition paused with its buffer full) makes the age rise with the clock', async () => {
    const { w, sampler } = world();
    w.assigned = [P0];
    w.ends.set(P0.key, { low: 0n, high: 500n });
    w.applied.set(P0.key, 100n);
    w.pending.set(P0.key, 10_000);
    await sampler.refresh();
    const ages = [20_000, 25_000, 30_000, 60_000].map((now) => sampler.sample(now)[0]?.seconds);
    expect(ages).toEqual([10, 15, 20, 50]);
    // applied at last: the age is that of the next oldest message
    w.applied.set(P0.key, 300n);
    w.pending.set(P0.key, 55_000);
    expect(sampler.sample(61_000)[0]?.seconds).toBe(6);
  });

  it('behind with nothing fetched yet: the age counts from the first sample that saw it behind at that offset (a lower bound that rises)', async () => {
    const { w, sampler } = world();
    w.assigned = [P0];
    w.ends.set(P0.key, { low: 0n, high: 10n });
    await sampler.refresh();
    expect(sampler.sample(5_000)[0]?.seconds).toBe(0);
    expect(sampler.sample(12_000)[0]?.seconds).toBe(7);
    w.applied.set(P0.key, 4n); // progress: the count starts again at the new offset
    expect(sampler.sample(13_000)[0]?.seconds).toBe(0);
    expect(sampler.sample(14_000)[0]?.seconds).toBe(1);
  });

  it('a broker that stops answering leaves the last end offsets in use: the age still rises', async () => {
    const { w, sampler } = world();
    w.assigned = [P0];
    w.ends.set(P0.key, { low: 0n, high: 10n });
    w.pending.set(P0.key, 0);
    await sampler.refresh();
    w.brokerDown = true;
    await expect(sampler.refresh()).rejects.toThrow('broker away');
    expect(sampler.sample(9_000)).toEqual([{ topic: 'signals.generated', partition: 0, messages: 10, seconds: 9 }]);
  });

  it('only the assigned partitions are reported, and only once their end offset is known', async () => {
    const { w, sampler } = world();
    w.assigned = [P1];
    w.ends.set(P0.key, { low: 0n, high: 10n });
    await sampler.refresh();
    expect(sampler.sample(0)).toEqual([]);
    w.ends.set(P1.key, { low: 0n, high: 0n });
    await sampler.refresh();
    expect(sampler.sample(0)).toEqual([{ topic: 'signals.generated', partition: 1, messages: 0, seconds: 0 }]);
  });
});

describe('sampleLagEvery', () => {
  afterEach(() => void vi.useRealTimers());

  it('sets both gauges on every tick, and drops the series of a partition no longer assigned', async () => {
    vi.useFakeTimers({ now: 100_000 });
    const { w, sampler } = world();
    w.ends.set(P0.key, { low: 0n, high: 10n }).set(P1.key, { low: 0n, high: 4n });
    w.pending.set(P0.key, 97_000);
    const metrics = createWorkerMetrics();
    const stop = sampleLagEvery(1000, sampler, metrics, pino({ level: 'silent' }));
    const series = async (name: string) =>
      Object.fromEntries(((await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)?.values ?? []).map((v) => [`${v.labels.topic}/${v.labels.partition}`, v.value]));
    await vi.advanceTimersByTimeAsync(1000);
    expect(await series('ledger_consumer_lag')).toEqual({ 'signals.generated/0': 10, 'signals.generated/1': 4 });
    expect(await series('ledger_consumer_lag_seconds')).toEqual({ 'signals.generated/0': 4, 'signals.generated/1': 0 });
    w.assigned = [P0];
    await vi.advanceTimersByTimeAsync(1000);
    expect(await series('ledger_consumer_lag')).toEqual({ 'signals.generated/0': 10 });
    expect(await series('ledger_consumer_lag_seconds')).toEqual({ 'signals.generated/0': 5 });
    stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(await series('ledger_consumer_lag_seconds')).toEqual({ 'signals.generated/0': 5 });
  });

  it('its stop resolves once the read of end offsets under way has ended (the worker then closes the client the read used), and after waitMs when the read hangs', async () => {
    vi.useFakeTimers({ now: 0 });
    let finish = () => {};
    const reads: string[] = [];
    const sampler = new LagSampler({
      ends: () => new Promise((resolve) => (finish = () => (reads.push('ended'), resolve(new Map())))),
      assigned: () => [],
      applied: () => undefined,
      oldestPending: () => undefined,
    });
    const log = pino({ level: 'silent' });
    const stop = sampleLagEvery(1000, sampler, createWorkerMetrics(), log, 5000);
    await vi.advanceTimersByTimeAsync(1000);
    let stopped = false;
    const stopping = stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(4000);
    expect(stopped).toBe(false);
    finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(true);
    expect(reads).toEqual(['ended']);
    await stopping;

    const hung = sampleLagEvery(1000, new LagSampler({ ends: () => new Promise(() => {}), assigned: () => [], applied: () => undefined, oldestPending: () => undefined }), createWorkerMetrics(), log, 5000);
    await vi.advanceTimersByTimeAsync(1000);
    let hungStopped = false;
    const hungStopping = hung().then(() => (hungStopped = true));
    await vi.advanceTimersByTimeAsync(4999);
    expect(hungStopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await hungStopping;
    expect(hungStopped).toBe(true);
    // with no read under way it resolves at once
    await expect(sampleLagEvery(1000, sampler, createWorkerMetrics(), log)()).resolves.toBeUndefined();
  });
});

describe('readPartitionOffsets', () => {
  const retriable = Object.assign(new Error('not the leader for that topic-partition'), { retriable: true });
  it('asks a retriable failure again, but not once stopped, and reads no further topic once stopped', async () => {
    let calls = 0;
    let stopped = false;
    const admin = {
      fetchTopicOffsets: async () => {
        calls += 1;
        if (calls < 3) throw retriable;
        return [{ partition: 0, offset: '5', high: '5', low: '1' }];
      },
      fetchTopicMetadata: async () => ({ topics: [] }),
    };
    expect(await readPartitionOffsets(admin, ['a'], () => stopped)).toEqual(new Map([['a:0', { topic: 'a', partition: 0, low: 1n, high: 5n }]]));
    expect(calls).toBe(3);
    // stopped while the first attempt is under way: its failure is the answer
    calls = 0;
    const stopsDuring = { ...admin, fetchTopicOffsets: async () => ((stopped = true), admin.fetchTopicOffsets()) };
    stopped = false;
    await expect(readPartitionOffsets(stopsDuring, ['a'], () => stopped)).rejects.toThrow('not the leader');
    expect(calls).toBe(1);
    // stopped during the wait before asking again: no metadata is fetched (it would connect again)
    let metadata = 0;
    stopped = false;
    const stopsWhileWaiting = {
      fetchTopicOffsets: async () => (setTimeout(() => (stopped = true), 20), Promise.reject(retriable)),
      fetchTopicMetadata: async () => ((metadata += 1), { topics: [] }),
    };
    await expect(readPartitionOffsets(stopsWhileWaiting, ['a'], () => stopped)).rejects.toThrow('not the leader');
    expect(metadata).toBe(0);
    let readA = false;
    const stopsAfterA = { ...admin, fetchTopicOffsets: async () => ((readA = true), [{ partition: 0, offset: '5', high: '5', low: '1' }]) };
    await expect(readPartitionOffsets(stopsAfterA, ['a', 'b'], () => readA)).rejects.toThrow('stopped');
  });
});
