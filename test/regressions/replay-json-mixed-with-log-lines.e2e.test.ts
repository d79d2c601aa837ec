// Regression (found writing the command tests against a broker, issue 13): `replay --json` wrote its log
// lines (kafkajs warnings such as "The group coordinator is not available", and everything at
// LOG_LEVEL=debug) to stdout beside its JSON summary, so `replay --json | jq` failed. Its log lines now go
// to stderr; stdout holds the summary alone.
import { describe, expect, it } from 'vitest';
import { runCliAsync } from '../helpers/cli.ts';
import { createTestDatabase } from '../helpers/databases.ts';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { createTestTopics, produce, testKafkaConfig } from '../helpers/worker.ts';

describe('replay --json', () => {
  it('writes only its JSON summary to stdout, and its log lines to stderr, even at LOG_LEVEL=debug', async () => {
    const db = await createTestDatabase('sqlite-file');
    try {
      const config = testKafkaConfig(db.url, { LOG_LEVEL: 'debug' });
      await createTestTopics(config, 1);
      const published = await produce(config, generateEvents({ signals: 3, seed: 5 }));
      const r = await runCliAsync(['replay', '--json'], { env: config.env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n')).toHaveLength(2); // one line and its newline
      expect(JSON.parse(r.stdout)).toMatchObject({ messages: published, consumed: published });
      expect(r.stderr).toContain('"msg":"batch:received"');
    } finally {
      await db.drop();
    }
  });
});
