// The first module every entry point evaluates (the CLI, `signal-ledger`, `signal-ledger/analytics`). On a
// Node.js older than package.json's engines, the rest of the ledger would not run as documented: under Node 20
// the CLI printed nothing and exited 0, and opening a SQLite store crashed inside better-sqlite3 with no
// message. So it says so in one line on stderr and exits 1 before any other module of the package runs (the CLI
// loads the rest only after it; a library entry point's imports are parsed, not run). Only syntax and APIs every
// Node.js since 12 has are used here.
import { readFileSync } from 'node:fs';

/** package.json, read where the package is (src/ and dist/ are both one level down). */
const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; engines: { node: string } };
const wanted = packageJson.engines.node;

/** This package's version (`signal-ledger --version`). */
export const PACKAGE_VERSION = packageJson.version;

/** Whether `version` (x.y.z) is at least `floor` (">=x.y"). */
export function meetsEngines(version: string, floor: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const [fMajor = 0, fMinor = 0] = floor.replace(/^>=\s*/, '').split('.').map(Number);
  return major > fMajor || (major === fMajor && minor >= fMinor);
}

if (!meetsEngines(process.versions.node, wanted)) {
  process.stderr.write(`signal-ledger needs Node.js ${wanted}; this is Node.js ${process.versions.node} (${process.execPath})\n`);
  process.exit(1);
}
