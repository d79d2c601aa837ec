import type { Admin } from 'kafkajs';

/** Refuses to start on a broker that lacks one of the topics: naming them, and the command that creates them. */
export async function assertTopicsExist(admin: Admin, topics: readonly string[], brokers: readonly string[]): Promise<void> {
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) throw new Error(`topic(s) ${missing.join(', ')} do not exist on ${brokers.join(',')}; create them with \`signal-ledger topics create\` (the dead-letter topic with --dlq-topic)`);
  } finally {
    await admin.disconnect();
  }
}
