// Regression (issue 15): the jar broker's log (scripts/kafka-local.ts) was empty. Kafka's dependencies resolve
// slf4j-api 1.7.36, and the binding fetched beside it, log4j-slf4j2-impl, is an SLF4J 2 provider that 1.7 cannot
// find: SLF4J fell back to NOP ("Failed to load class org.slf4j.impl.StaticLoggerBinder") and the broker logged
// nothing, not even why it did not start, while startLocalKafka waited its 120 s for a port that never answered.
// slf4j-api 2 is now pinned in the pom, and startLocalKafka fails as soon as the broker exits, with the end of its log.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fetchKafkaJars, SLF4J_VERSION, startLocalKafka, stopLocalKafka } from '../../scripts/kafka-local.ts';

/** A port of this test's own: the broker that cannot start listens there (its controller on the next one). */
const PORT = Number(process.env.TEST_FAILING_KAFKA_PORT ?? 29192);

describe('the jar broker\'s log', () => {
  it('the jars hold slf4j-api 2, which finds the log4j binding, and not 1.7.36', () => {
    const jars = readdirSync(fetchKafkaJars());
    expect(SLF4J_VERSION).toMatch(/^2\./);
    expect(jars.filter((jar) => jar.startsWith('slf4j-api-'))).toEqual([`slf4j-api-${SLF4J_VERSION}.jar`]);
    expect(jars.filter((jar) => jar.startsWith('log4j-slf4j2-impl-'))).toHaveLength(1);
  });

  it('a broker that cannot start (its controller port taken) fails startLocalKafka within 60 s with the reason from its log', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(PORT + 1, '127.0.0.1', resolve));
    const started = Date.now();
    try {
      const error = await startLocalKafka({ port: PORT, lifetimeSeconds: 120 }).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toMatch(new RegExp(`^Kafka exited \\(\\d+\\) before it answered on 127\\.0\\.0\\.1:${PORT}; the end of .*kafka-${PORT}\\.log:\\n`));
      // the reason, from the broker's own log
      expect(error?.message).toMatch(/\] ERROR /);
      expect(error?.message).toContain(`Socket server failed to bind to 127.0.0.1:${PORT + 1}: Address already in use`);
      expect(Date.now() - started).toBeLessThan(60_000);
      const log = readFileSync(error?.message.match(/the end of (\S+):/)?.[1] as string, 'utf8');
      expect(log).not.toContain('NOP');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
      await stopLocalKafka({ port: PORT });
    }
  });
});
