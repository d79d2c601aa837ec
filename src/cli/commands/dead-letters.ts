import { type Command, Option } from 'commander';
import { NAIVE_TIMESTAMPS } from '../../config-choices.ts';
import { LIMITS } from '../../contract/limits.ts';
import { InputError } from '../../errors.ts';
import type { DeadLetterEntry } from '../../store/index.ts';
import { withStore, type GlobalOptions } from '../context.ts';
import { checkTimeFlags, choiceFlag, wholeNumberFlag } from '../flags.ts';
import { escapeControls, formatTable, snakeKeys } from '../output.ts';

const STATES = ['open', 'resolved', 'all'] as const;

/** A dead letter's problems on one line: the first, and how many more. */
const problemsLine = (d: DeadLetterEntry) => {
  const [first, ...rest] = d.problems;
  return first === undefined ? '' : `${first.path}: ${first.message}${rest.length > 0 ? ` (+${rest.length} more)` : ''}`;
};

export function registerDeadLetters(program: Command): void {
  const deadLetters = program.command('dead-letters').description('look at the messages that broke the contract, and apply those that pass now');
  deadLetters
    .command('list')
    .description('list dead letters, newest first')
    .option('--topic <topic>', "only this topic ('api' for the repository's calls)")
    .option('--from <time>', 'received at or after (RFC 3339 or a date)')
    .option('--to <time>', 'received before (exclusive)')
    .option('--problem <text>', 'only those with a problem whose message contains this text (A-Z and a-z alike)')
    .addOption(new Option('--state <state>', 'open (not applied), resolved (applied by retry), or all').choices(STATES).argParser(choiceFlag('--state', STATES)).default('all'))
    .option('--limit <n>', `dead letters per page, 1 to ${LIMITS.maxPageSize}`, wholeNumberFlag('--limit', 1, LIMITS.maxPageSize), LIMITS.defaultPageSize)
    .option('--before <id>', 'continue after this dead letter id (the last of the previous page)')
    .option('--all', 'every matching dead letter, paging through the store')
    .option('--json', 'print a JSON array (snake_case), with each raw value and every problem')
    .action(async (opts: { topic?: string; from?: string; to?: string; problem?: string; state: (typeof STATES)[number]; limit: number; before?: string; all?: boolean; json?: boolean }, cmd: Command) => {
      await checkTimeFlags({ '--from': opts.from, '--to': opts.to });
      if (opts.before !== undefined && !/^\d{1,18}$/.test(opts.before)) throw InputError.invalid('--before', `a dead letter id, as list prints it (got ${JSON.stringify(opts.before.slice(0, 40))})`);
      await withStore(cmd.optsWithGlobals<GlobalOptions>(), async (store) => {
        const { findDeadLetters } = await import('../../store/index.ts');
        const all: DeadLetterEntry[] = [];
        let before = opts.before;
        for (;;) {
          const page = await findDeadLetters(store, { topic: opts.topic, from: opts.from, to: opts.to, problem: opts.problem, state: opts.state, before, limit: opts.limit });
          all.push(...page);
          if (!opts.all || page.length < opts.limit) break;
          before = page[page.length - 1]?.id;
        }
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(snakeKeys(all), null, 2)}\n`);
          return;
        }
        process.stdout.write(
          `${formatTable(
            ['id', 'received_at', 'topic', 'source', 'state', 'problems'],
            all.map((d) => [d.id, d.receivedAt, d.topic ?? 'api', d.source, d.resolvedAt === null ? 'open' : `resolved: ${d.resolvedEventId ?? ''}`, problemsLine(d)]),
          )}\n`,
        );
        if (!opts.all && all.length === opts.limit) process.stderr.write(`more dead letters: --before ${all[all.length - 1]?.id ?? ''}\n`);
      }, 'read');
    });
  deadLetters
    .command('retry')
    .description('parse dead letters again with the current contract and settings and apply those that pass now, through the same write path; they are marked resolved with the event they became, never deleted')
    .option('--id <id...>', 'these dead letters (ids as list prints them)')
    .option('--all', 'every open dead letter')
    .option('--naive-timestamps <rule>', `a timestamp without a UTC offset: ${NAIVE_TIMESTAMPS.join(' or ')} (read as UTC) (default $NAIVE_TIMESTAMPS, else reject)`)
    .option('--json', 'print {"tried", "resolved": [{"id", "event_id"}], "refused": [{"id", "problems"}]}')
    .action(async (opts: { id?: string[]; all?: boolean; naiveTimestamps?: string; json?: boolean }, cmd: Command) => {
      if ((opts.id === undefined) === (opts.all !== true)) throw InputError.invalid('--id/--all', 'give the ids to retry, or --all (not both)');
      const bad = opts.id?.find((id) => !/^\d{1,18}$/.test(id));
      if (bad !== undefined) throw InputError.invalid('--id', `a dead letter id, as list prints it (got ${JSON.stringify(bad.slice(0, 40))})`);
      const global = cmd.optsWithGlobals<GlobalOptions>();
      // the worker's topic names (KAFKA_TOPIC_PREFIX, KAFKA_TOPIC_*), and its rule for offset-less timestamps
      const { loadKafkaConfig } = await import('../../config.ts');
      const config = loadKafkaConfig({ db: global.db, naiveTimestamps: opts.naiveTimestamps });
      await withStore(global, async (store) => {
        const { retryDeadLetters } = await import('../../store/index.ts');
        const resolved: { id: string; event_id: string }[] = [];
        const refused: { id: string; problems: unknown }[] = [];
        const r = await retryDeadLetters(store, {
          ids: opts.id,
          topics: config.topics,
          naiveTimestamps: config.naiveTimestamps,
          onResolved: (id, eventId) => {
            resolved.push({ id, event_id: eventId });
            if (!opts.json) process.stdout.write(`dead letter ${id}: applied as event ${escapeControls(eventId)}\n`);
          },
          onRefused: (id, problems) => void (opts.json || opts.id !== undefined ? refused.push({ id, problems }) : undefined),
        });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ tried: r.tried, resolved, refused })}\n`);
          return;
        }
        for (const f of refused) process.stdout.write(`dead letter ${f.id}: still refused: ${escapeControls(problemsLine({ problems: f.problems } as DeadLetterEntry))}\n`);
        process.stdout.write(`retried ${r.tried} open dead letters: ${r.resolved} applied and resolved, ${r.refused} still refused\n`);
      });
    });
}
