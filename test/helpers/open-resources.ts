// What a test may leave open by mistake, as Node counts it (process.getActiveResourcesInfo): sockets (a
// database pool, a Kafka consumer or producer, an HTTP client), listening servers, and child processes with
// their pipes. Timers are not counted: libraries keep unref'd ones. (Node does not list worker threads.)

export const WATCHED_RESOURCES: Readonly<Record<string, string>> = {
  TCPSocketWrap: 'a TCP connection (a database pool, a Kafka client)',
  TCPServerWrap: 'a listening server',
  PipeWrap: 'a pipe (a child process stream)',
  ProcessWrap: 'a child process',
};

/** How many of each watched kind are open now. */
export function openResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo()) if (name in WATCHED_RESOURCES) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

/** Where the open TCP connections go ("127.0.0.1:5432"), so that a leak names its database or broker. */
export function tcpPeers(): string[] {
  // Node's list of handles is the one place that holds the socket objects themselves
  const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];
  return handles
    .filter((h): h is { remoteAddress?: string; remotePort?: number; localPort?: number } => typeof h === 'object' && h !== null && 'remotePort' in h && h.constructor?.name === 'Socket')
    .map((s) => `${s.remoteAddress ?? '?'}:${s.remotePort ?? '?'}`)
    .filter((peer) => peer !== '?:?');
}

/** What is open now beyond `before`, in words; empty when nothing more is. */
export function openedSince(before: ReadonlyMap<string, number>): string[] {
  return [...openResources()]
    .filter(([name, n]) => n > (before.get(name) ?? 0))
    .map(([name, n]) => `${n - (before.get(name) ?? 0)} x ${WATCHED_RESOURCES[name]} (${name}${name === 'TCPSocketWrap' ? `; all open now go to ${tcpPeers().join(', ') || 'no peer Node names'}` : ''})`);
}

/** What is still open beyond `before` after waiting up to `graceMs` for things that close on their own (a pool's idle clients, a child being reaped). */
export async function stillOpenSince(before: ReadonlyMap<string, number>, graceMs = 5_000): Promise<string[]> {
  let left = openedSince(before);
  for (let waited = 0; waited < graceMs && left.length > 0; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = openedSince(before);
  }
  return left;
}
