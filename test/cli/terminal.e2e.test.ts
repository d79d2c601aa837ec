// The commands as an operator sees them on a terminal (script(1) gives each a pseudo-terminal:
// runCliAsync's `tty`): `ingest FILE` draws a progress bar over the file's bytes, `replay` one bar per
// partition that holds messages, counting its messages from the partition's first offset; neither draws one
// with --json, whose stdout stays the summary alone. On a terminal, replay keeps its log to warnings.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { createKafka, createTopics, fetchPartitionOffsets } from '../../src/worker/index.ts';
import { runCliAsync } from '../helpers/cli.ts';
import { createTestDatabase } from '../helpers/databases.ts';
import { scratchDir, writeLines } from '../helpers/scratch.ts';
import { createTestTopics, produce, quietLogger, testKafkaConfig, topicsOf } from '../helpers/worker.ts';

/** What a terminal shows at the end: the escape sequences left out, \r\n as \n, and each line as its last redraw (after its last \r). */
function screen(output: string): string[] {
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, '').replaceAll('\r\n', '\n');
  return plain.split('\n').map((line) => line.slice(line.lastIndexOf('\r') + 1));
}

/** A bar as cli-progress draws it, in brackets */
const BAR = '\\[[█░]+\\]';

describe('on a terminal', () => {
  const work = scratchDir('terminal');
  const lines = [...generateEvents({ signals: 30, seed: 4 })].map((l) => JSON.stringify(l));

  it('ingest FILE draws a bar over the file that ends at 100 % with every event, then prints its summary; an unreadable line\'s note starts on a line of its own', async () => {
    const file = writeLines(work, 'events.ndjson', [...lines, Buffer.from([0x7b, 0xff, 0x7d])]);
    const t0 = performance.now();
    const r = await runCliAsync(['--db', `sqlite:///${path.join(work, 'ingest.db')}`, 'ingest', file], { tty: true });
    const wallSeconds = (performance.now() - t0) / 1000;
    expect(r.code, r.stdout).toBe(2);
    const shown = screen(r.stdout);
    const read = lines.length + 1;
    const full = shown.map((l) => new RegExp(`^ingest ${BAR} 100% \\| ${read} events \\| (\\d+) events/s \\| 0s left$`).exec(l)).find((m) => m !== null);
    expect(full, shown.join('\n')).toBeDefined();
    // the rate is events over the seconds the ingest took: at least over the whole run's wall time, and
    // below what a thousandth of a second would give
    const rate = Number(full?.[1]);
    expect(rate).toBeGreaterThanOrEqual(Math.floor(read / wallSeconds));
    expect(rate).toBeLessThan(1000 * read);
    // no frame, the first included, shows a placeholder the bar's payload leaves unfilled
    expect(r.stdout).not.toMatch(/\{[a-z_]+\}/);
    // the cursor is hidden while the bar is drawn, and shown again after it
    const hidden = r.stdout.indexOf('\x1b[?25l');
    expect(hidden).toBeGreaterThanOrEqual(0);
    expect(r.stdout.indexOf('\x1b[?25h', hidden)).toBeGreaterThan(hidden);
    expect(shown).toContain(`signal-ledger ingest: line ${read} is not valid UTF-8 (kept as a dead letter)`);
    expect(shown).toContainEqual(expect.stringMatching(new RegExp(`^read ${read}, applied \\d+, duplicates 0, dead letters 1, \\d+\\.\\d s \\(\\d+ events/s\\)$`)));
  });

  it('verify and rebuild draw a bar over the signals, full at the end; with --json, none', async () => {
    const db = `sqlite:///${path.join(work, 'checked.db')}`;
    const file = writeLines(work, 'checked.ndjson', lines);
    expect((await runCliAsync(['--db', db, 'ingest', file])).code).toBe(0);
    const signals = (JSON.parse((await runCliAsync(['--db', db, 'signals', 'list', '--all', '--json'])).stdout) as unknown[]).length;
    for (const command of ['verify', 'rebuild']) {
      const r = await runCliAsync(['--db', db, command], { tty: true });
      expect(r.code, r.stdout).toBe(0);
      // the bar's last redraw, full (a single bar redraws from column 1 of its line)
      const redraws = screen(r.stdout).join('\n').split(`${command} [`).map((d) => `${command} [${d}`);
      expect(redraws.at(-1)).toMatch(new RegExp(`^${command} ${BAR} ${signals}/${signals} signals \\| 0s left`));
      const json = await runCliAsync(['--db', db, command, '--json'], { tty: true });
      expect(json.stdout.startsWith('{')).toBe(true);
      expect(json.stdout).not.toContain(`${command} [`);
    }
  });

  it('ingest of an empty FILE draws no bar: the terminal shows the summary alone', async () => {
    const file = writeLines(work, 'empty.ndjson', []);
    const r = await runCliAsync(['--db', `sqlite:///${path.join(work, 'ingest-empty.db')}`, 'ingest', file], { tty: true });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^read 0, applied 0, duplicates 0, dead letters 0, \d+\.\d s \(0 events\/s\)\r\n$/);
  });

  it('ingest FILE --json draws no bar: the terminal shows the JSON summary alone', async () => {
    const file = writeLines(work, 'events-json.ndjson', lines);
    const r = await runCliAsync(['--db', `sqlite:///${path.join(work, 'ingest-json.db')}`, 'ingest', file, '--json'], { tty: true });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^\{"read":\d+,[^\n]*\}\r\n$/);
  });

  it('replay draws a bar per partition that holds messages, full at its end offset less its first; with --json none, and its log keeps to warnings', async () => {
    const db = await createTestDatabase('sqlite-file');
    try {
      // the risk topic's name is short, so its label is padded to 24 characters (the others' are longer)
      const config = testKafkaConfig(db.url, { KAFKA_TOPIC_SIGNALS_RISK: `r${Date.now().toString(36)}` });
      const risk = config.topics.risk;
      // the outcome topic has more partitions than there are signals: some stay empty, and get no bar
      await createTopics(createKafka(config.kafka, quietLogger()), [config.topics.outcome], 40, 1);
      await createTestTopics(config, 2);
      await produce(config, lines.map((l) => JSON.parse(l)));
      // partition 0 of the risk topic starts at offset 2 (the records before are deleted): its bar counts from there
      const admin = createKafka(config.kafka, quietLogger()).admin();
      await admin.connect();
      try {
        await admin.fetchTopicMetadata({ topics: [risk] });
        await admin.deleteTopicRecords({ topic: risk, partitions: [{ partition: 0, offset: '2' }] });
      } finally {
        await admin.disconnect();
      }
      const offsets = await fetchPartitionOffsets(createKafka(config.kafka, quietLogger()), topicsOf(config));
      const expected = [...offsets].filter(([, o]) => o.high > 0n).map(([k, o]) => [k, Number(o.high - o.low)] as const);
      expect(offsets.get(`${risk}:0`)?.low).toBe(2n);
      expect([...offsets.values()].some((o) => o.high === 0n)).toBe(true);

      const r = await runCliAsync(['replay'], { env: { ...config.env, LOG_LEVEL: 'debug' }, tty: true });
      expect(r.code, r.stdout).toBe(0);
      const shown = screen(r.stdout);
      for (const [partition, count] of expected) {
        expect(shown, partition).toContainEqual(expect.stringMatching(new RegExp(`^${partition.replaceAll('.', '\\.').padEnd(24)} ${BAR} ${count}/${count}$`)));
      }
      // no bar for an empty partition (the terminal shows each bar twice: drawn at the start, then redrawn in place)
      const labels = new Set(shown.filter((l) => new RegExp(` ${BAR} `).test(l)).map((l) => l.slice(0, l.indexOf(' [')).trim()));
      expect([...labels].sort()).toEqual(expected.map(([k]) => k).sort());
      // warnings only (a coordinator still being elected is one), though LOG_LEVEL asks for debug
      expect(shown.filter((l) => l.startsWith('{') && (JSON.parse(l) as { level: number }).level < 40)).toEqual([]);
      expect(shown).toContainEqual(expect.stringMatching(/^replayed \d+ messages under group /));

      const json = await runCliAsync(['replay', '--json'], { env: config.env, tty: true });
      expect(json.code, json.stdout).toBe(0);
      expect(json.stdout).toMatch(/^\{"group":[^\n]*\}\r\n$/);
    } finally {
      await db.drop();
    }
  });
});
