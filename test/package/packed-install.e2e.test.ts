// What the image (Dockerfile) relies on, tested without a Docker engine: the package as `npm pack` makes it,
// installed the way the Dockerfile's runtime stage installs it (the flags are read from the Dockerfile:
// production dependencies only, install scripts off) into an empty folder. A runtime dependency left in
// devDependencies, or a file missing from package.json's `files`, fails here. From that install: the
// `signal-ledger` binary (its shebang and exec bit), `migrate` and a worker against a real broker and
// PostgreSQL, and a reporting job that imports `signal-ledger/analytics`.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { openStore } from '../../src/store/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { scratchDir } from '../helpers/scratch.ts';
import { createTestTopics, produce, testKafkaConfig, waitUntilCaughtUp } from '../helpers/worker.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

/** The Dockerfile runtime stage's `npm install` flags (the package tarball is its last argument). */
function dockerfileInstallFlags(): string[] {
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const line = /^RUN npm install (.*?) \/tmp\/signal-ledger\.tgz/m.exec(dockerfile)?.[1];
  if (line === undefined) throw new Error('the Dockerfile has no `RUN npm install ... /tmp/signal-ledger.tgz` line');
  return line.split(/\s+/);
}

/** Runs the installed command: its own shebang picks `node` from PATH, where this test's Node 24 comes first. */
function installed(app: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(path.join(app, 'node_modules', '.bin', 'signal-ledger'), args, {
    cwd: app,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`, DATABASE_URL: '', ...env },
  });
}

describe('the packed package, installed with production dependencies only', () => {
  const work = scratchDir('packed');
  const app = path.join(work, 'app');
  let db: TestDatabase;

  beforeAll(async () => {
    const flags = dockerfileInstallFlags();
    expect(flags).toEqual(expect.arrayContaining(['--omit=dev', '--ignore-scripts']));
    const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--json'], { cwd: ROOT, encoding: 'utf8' });
    const tarball = path.join(work, (JSON.parse(packed) as { filename: string }[])[0]?.filename as string);
    mkdirSync(app);
    execFileSync('npm', ['install', ...flags, tarball], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
    db = await createTestDatabase('postgresql');
  }, 400_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('holds no devDependency', () => {
    const { devDependencies } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const present = Object.keys(devDependencies).filter((name) => existsSync(path.join(app, 'node_modules', name)));
    expect(present).toEqual([]);
  });

  it('signal-ledger --version and worker --help run from the installed binary', () => {
    const v = installed(app, ['--version']);
    expect(v.stderr).toBe('');
    expect(v.stdout).toBe(`${version}\n`);
    expect(v.status).toBe(0);
    const help = installed(app, ['worker', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--metrics-host <address>');
  });

  it('migrate, then a worker against the test broker and PostgreSQL applies a published stream and exits 0 on SIGTERM; a reporting job reads it through signal-ledger/analytics', async () => {
    const config = testKafkaConfig(db.url);
    await createTestTopics(config);
    await produce(config, [...generateEvents({ signals: 40, seed: 31 })]);
    const env = { ...config.env, DATABASE_URL: db.url };
    const migrate = installed(app, ['migrate'], env);
    expect(migrate.status, migrate.stderr).toBe(0);

    const worker = spawn(path.join(app, 'node_modules', '.bin', 'signal-ledger'), ['worker', '--metrics-port', '0'], {
      cwd: app,
      env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`, ...env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    worker.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    worker.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const exited = new Promise<number | null>((resolve) => worker.once('close', resolve));
    const store = await openStore({ dbUrl: db.url, migrate: false });
    try {
      await waitUntilCaughtUp(store, config, config.groupId);
      worker.kill('SIGTERM');
      expect(await exited, output).toBe(0);
    } finally {
      worker.kill('SIGKILL');
      await store.close();
    }

    writeFileSync(
      path.join(app, 'job.mjs'),
      `import { Analytics } from 'signal-ledger/analytics';
const analytics = await Analytics.open({ dbUrl: process.env.DATABASE_URL });
const stats = await analytics.getExecutionStats();
await analytics.close();
console.log(JSON.stringify({ totalSignals: stats.totalSignals }));
`,
    );
    const job = spawnSync(process.execPath, ['job.mjs'], { cwd: app, encoding: 'utf8', timeout: 60_000, env: { ...process.env, DATABASE_URL: db.url } });
    expect(job.stderr).toBe('');
    expect(JSON.parse(job.stdout)).toEqual({ totalSignals: 40 });
  });
});
