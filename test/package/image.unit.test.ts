// The image's recipe, read as text (no Docker engine runs here; what the image runs is tested by
// packed-install.e2e.test.ts): the Dockerfile's stages, user, entry point and health check, the build context
// that .dockerignore lets through, and docker-compose.yml's services and their order.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.join(import.meta.dirname, '..', '..');
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
/** The Dockerfile's instructions, continuation lines joined, comments left out. */
const instructions = dockerfile
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const stages = instructions.reduce<string[][]>((acc, l) => (l.startsWith('FROM ') ? [...acc, [l]] : (acc.at(-1)?.push(l), acc)), []);
const runtime = stages.at(-1) ?? [];

describe('the Dockerfile', () => {
  it('builds in a first stage and runs from the official Node 24 slim image', () => {
    expect(stages).toHaveLength(2);
    expect(stages[0]?.[0]).toMatch(/^FROM node:24-[a-z]+-slim AS build$/);
    expect(runtime[0]).toMatch(/^FROM node:24-[a-z]+-slim$/);
  });

  it('installs production dependencies only, with install scripts off, and runs as the non-root user node', () => {
    const install = runtime.find((l) => l.startsWith('RUN npm install '));
    expect(install).toMatch(/--omit=dev/);
    expect(install).toMatch(/--ignore-scripts/);
    expect(runtime.filter((l) => l.startsWith('USER '))).toEqual(['USER node']);
  });

  it('enters signal-ledger, worker by default, with its metrics on 0.0.0.0 and a health check on /livez', () => {
    expect(runtime).toContain('ENTRYPOINT ["signal-ledger"]');
    expect(runtime).toContain('CMD ["worker"]');
    expect(runtime.find((l) => l.startsWith('ENV '))).toMatch(/METRICS_HOST=0\.0\.0\.0/);
    expect(runtime.find((l) => l.startsWith('HEALTHCHECK '))).toMatch(/\/livez/);
  });

  it('keeps the SQLite default in the volume /data, which the user node owns: an absolute path (four slashes)', async () => {
    const { parseDatabaseUrl } = await import('../../src/store/database-url.ts');
    const url = /DATABASE_URL=(\S+)/.exec(runtime.find((l) => l.startsWith('ENV ')) ?? '')?.[1] as string;
    expect(parseDatabaseUrl(url, 'DATABASE_URL')).toMatchObject({ dialect: 'sqlite', file: '/data/signals.db' });
    expect(runtime).toContain('VOLUME ["/data"]');
    expect(runtime.find((l) => l.startsWith('RUN npm install '))).toMatch(/chown node:node \/data/);
  });

  it('.dockerignore lets through every path the build stage copies, and nothing else', () => {
    const allowed = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    const copied = (stages[0] ?? []).filter((l) => l.startsWith('COPY ') && !l.includes('--from')).flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect([...new Set(copied)].sort()).toEqual([...allowed].sort());
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { build?: string; command?: string[]; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }>; ports?: string[] }>;
  };
  const { services } = compose;

  it('runs PostgreSQL, Kafka and the worker built from the Dockerfile, after migrate and topics have run once', () => {
    expect(Object.keys(services).sort()).toEqual(['kafka', 'migrate', 'postgres', 'topics', 'worker']);
    expect(services.worker?.build).toBe('.');
    expect(services.worker?.command).toEqual(['worker']);
    expect(services.worker?.depends_on).toEqual({ migrate: { condition: 'service_completed_successfully' }, topics: { condition: 'service_completed_successfully' } });
    expect(services.migrate?.command).toEqual(['migrate']);
    expect(services.migrate?.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(services.topics?.command).toEqual(['topics', 'create']);
    expect(services.topics?.depends_on).toEqual({ kafka: { condition: 'service_healthy' } });
    expect(services.worker?.ports).toEqual(['127.0.0.1:9464:9464']);
  });

  it('the ledger services reach PostgreSQL and the broker by their service names, on a listener the broker advertises as such', () => {
    const env = services.worker?.environment ?? {};
    expect(new URL(env.DATABASE_URL ?? '').hostname).toBe('postgres');
    expect(services.kafka?.environment?.KAFKA_ADVERTISED_LISTENERS?.split(',')).toContain(`INTERNAL://${env.KAFKA_BROKERS}`);
  });
});
