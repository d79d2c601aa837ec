// The leak guard's own check (test/helpers/open-resources.ts): it sees a server, a connection and a child
// process with its pipes left open, and nothing once they are closed.
import { spawn } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { openResources, stillOpenSince } from './helpers/open-resources.ts';

describe('the leak guard', () => {
  it('names a listening server and a TCP connection left open with its peer, and nothing once they are closed', async () => {
    const before = openResources();
    const accepted: Socket[] = [];
    const server = createServer((socket) => void accepted.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const client = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => client.once('connect', resolve));
    const left = await stillOpenSince(before, 200);
    expect(left.some((l) => l.includes('a listening server'))).toBe(true);
    expect(left.some((l) => l.includes('a TCP connection'))).toBe(true);
    // and where the connections go, so that a leak names its database or broker
    expect(left.find((l) => l.includes('a TCP connection'))).toContain(`127.0.0.1:${port}`);
    client.destroy();
    for (const socket of accepted) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await stillOpenSince(before)).toEqual([]);
  });

  it('names a child process left running, and nothing once it has ended', async () => {
    const before = openResources();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'pipe' });
    const left = await stillOpenSince(before, 200);
    expect(left.some((l) => l.includes('a child process'))).toBe(true);
    expect(left.some((l) => l.includes('a pipe'))).toBe(true);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('close', resolve));
    expect(await stillOpenSince(before)).toEqual([]);
  });
});
