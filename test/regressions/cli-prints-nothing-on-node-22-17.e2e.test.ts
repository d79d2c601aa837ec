// Bug: on Node.js 22.17, which package.json's engines allows, every command printed nothing and exited 0:
// dist/cli/main.js ran only `if (import.meta.main)`, which Node.js has had since 22.18 and 24.2 only.
// The command now runs from an entry point that always runs (src/cli/main.ts).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN } from '../helpers/cli.ts';
import { nodeRelease } from '../helpers/node-release.ts';

const FLOOR = '22.17.0';
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe(`signal-ledger on Node.js ${FLOOR}, the engines floor`, () => {
  let node: string;
  beforeAll(() => {
    node = nodeRelease(FLOOR);
  }, 300_000);

  it('--version prints the version and exits 0', () => {
    const r = spawnSync(node, [CLI_MAIN, '--version'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toBe(`${version}\n`);
    expect(r.status).toBe(0);
  });

  it('an unknown command is still a usage error, exit 1', () => {
    const r = spawnSync(node, [CLI_MAIN, 'no-such-command'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toContain("unknown command 'no-such-command'");
    expect(r.status).toBe(1);
  });
});
