// Other releases of Node.js, for the tests of the engines floor: the official binary of a version, from the
// npm registry's `node-<platform>-<arch>` package (what the `node` devDependency installs for Node 24),
// installed once into .cache/node/<version>/ with install scripts off.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const CACHE = path.join(import.meta.dirname, '..', '..', '.cache', 'node');

/** The path of Node.js `version`'s binary for this platform, downloaded the first time. */
export function nodeRelease(version: string): string {
  const pkg = `node-${process.platform}-${process.arch}`;
  const prefix = path.join(CACHE, version);
  const binary = path.join(prefix, 'node_modules', pkg, 'bin', 'node');
  if (!existsSync(binary)) {
    execFileSync('npm', ['install', '--prefix', prefix, `${pkg}@${version}`, '--ignore-scripts', '--no-audit', '--no-fund', '--no-save', '--loglevel=error'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 300_000,
    });
  }
  if (execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim() !== `v${version}`) throw new Error(`${binary} is not Node.js ${version}`);
  return binary;
}
