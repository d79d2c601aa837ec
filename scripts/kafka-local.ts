// npm run kafka:up / kafka:down: a single-node Apache Kafka (KRaft) on 127.0.0.1 for development and tests.
// With a Docker engine it runs the docker-compose.yml service; otherwise Apache Kafka's own jars from Maven
// Central (org.apache.kafka:kafka_2.13 and its dependencies, fetched once into .cache/kafka) on Java 17+.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';

export const KAFKA_VERSION = '4.4.0';
const root = path.join(import.meta.dirname, '..');
const cacheDir = path.join(root, '.cache', 'kafka');
const runDir = path.join(cacheDir, 'run');
const libDir = path.join(cacheDir, KAFKA_VERSION, 'libs');

export interface LocalKafka {
  brokers: string;
  mode: 'docker' | 'jars';
}

function dockerEngineRuns(): boolean {
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

/** Fetches kafka_2.13 and its runtime dependencies with Maven into .cache/kafka/<version>/libs, once. */
export function fetchKafkaJars(): string {
  if (existsSync(libDir) && readdirSync(libDir).some((f) => f.startsWith('kafka_2.13-'))) return libDir;
  const pomDir = path.join(cacheDir, KAFKA_VERSION, 'pom');
  mkdirSync(pomDir, { recursive: true });
  writeFileSync(
    path.join(pomDir, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId><artifactId>kafka-local</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId><version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.24.3</version></dependency>
  </dependencies>
</project>
`,
  );
  const r = spawnSync('mvn', ['-q', '-B', '-f', path.join(pomDir, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${libDir}`, '-DincludeScope=runtime'], {
    stdio: 'inherit',
    timeout: 15 * 60_000,
  });
  if (r.status !== 0) throw new Error(`could not fetch Apache Kafka ${KAFKA_VERSION} with Maven (exit ${r.status}); is Maven Central reachable?`);
  return libDir;
}

function java(args: string[], options: { detached?: boolean; log?: string } = {}) {
  const cp = `${libDir}/*`;
  const log4j = path.join(runDir, 'log4j2.properties');
  const base = ['-Xms256m', '-Xmx512m', `-Dlog4j2.configurationFile=${log4j}`, '-cp', cp];
  if (options.detached) {
    const out = openSync(options.log as string, 'a');
    return spawn('java', [...base, ...args], { detached: true, stdio: ['ignore', out, out] });
  }
  return spawnSync('java', [...base, ...args], { encoding: 'utf8', timeout: 120_000 });
}

/** True when something accepts TCP connections on the port. */
export function portAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.setTimeout(1_000, () => (socket.destroy(), resolve(false)));
  });
}

/** Starts the broker (or finds it running) and resolves when it accepts connections. */
export async function startLocalKafka(options: { port?: number } = {}): Promise<LocalKafka> {
  const port = options.port ?? 9092;
  const brokers = `127.0.0.1:${port}`;
  if (await portAnswers(port)) return { brokers, mode: existsSync(pidFileOf(port)) ? 'jars' : 'docker' };
  if (dockerEngineRuns()) {
    const r = spawnSync('docker', ['compose', '-f', path.join(root, 'docker-compose.yml'), 'up', '-d', 'kafka'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('docker compose up kafka failed');
    await waitForPort(port, 120_000);
    return { brokers, mode: 'docker' };
  }
  fetchKafkaJars();
  mkdirSync(runDir, { recursive: true });
  const dataDir = path.join(runDir, `data-${port}`);
  const config = path.join(runDir, `server-${port}.properties`);
  const controllerPort = port + 1;
  writeFileSync(path.join(runDir, 'log4j2.properties'), 'rootLogger.level=WARN\nrootLogger.appenderRef.stdout.ref=STDOUT\nappender.stdout.type=Console\nappender.stdout.name=STDOUT\nappender.stdout.layout.type=PatternLayout\nappender.stdout.layout.pattern=[%d] %p %m (%c)%n\n');
  writeFileSync(
    config,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${dataDir}`,
      'num.partitions=6',
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=false',
      '',
    ].join('\n'),
  );
  if (!existsSync(path.join(dataDir, 'meta.properties'))) {
    // a base64url UUID, as kafka-storage random-uuid prints; like Kafka's Uuid.randomUuid, never one
    // starting with "-" (the tool would read it as an option; passed as --cluster-id=ID as well)
    let clusterId = randomBytes(16).toString('base64url');
    while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
    const r = java(['kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '--config', config]) as ReturnType<typeof spawnSync>;
    if (r.status !== 0) throw new Error(`kafka storage format failed: ${String(r.stderr || r.stdout)}`);
  }
  const child = java(['kafka.Kafka', config], { detached: true, log: path.join(runDir, `kafka-${port}.log`) }) as ReturnType<typeof spawn>;
  child.unref();
  writeFileSync(pidFileOf(port), String(child.pid));
  await waitForPort(port, 120_000);
  return { brokers, mode: 'jars' };
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await portAnswers(port)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Kafka did not answer on 127.0.0.1:${port} within ${timeoutMs / 1000} s; see ${runDir}`);
}

const pidFileOf = (port: number) => path.join(runDir, `kafka-${port}.pid`);

/** Stops the jar-based broker on a port started by startLocalKafka (or the Docker service) and removes its data. */
export async function stopLocalKafka(options: { port?: number; keepData?: boolean } = {}): Promise<void> {
  const port = options.port ?? 9092;
  const pidFile = pidFileOf(port);
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 60; i++) {
        await new Promise((r) => setTimeout(r, 500));
        process.kill(pid, 0);
      }
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
    rmSync(pidFile, { force: true });
    if (!options.keepData) rmSync(path.join(runDir, `data-${port}`), { recursive: true, force: true });
  } else if (dockerEngineRuns()) {
    spawnSync('docker', ['compose', '-f', path.join(root, 'docker-compose.yml'), 'stop', 'kafka'], { stdio: 'inherit' });
  }
}

if (import.meta.main) {
  const [command, portText, ...extra] = process.argv.slice(2);
  const port = portText === undefined ? undefined : Number(portText);
  if ((command !== 'up' && command !== 'down') || extra.length > 0 || (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65_536))) {
    process.stderr.write('usage: node scripts/kafka-local.ts up [PORT] | down [PORT]   (PORT a number, default 9092)\n');
    process.exitCode = 2;
  } else if (command === 'up') {
    const k = await startLocalKafka({ port });
    process.stdout.write(`Kafka ${k.mode === 'jars' ? KAFKA_VERSION + ' (jars)' : '(docker)'} answers on ${k.brokers}\n`);
  } else {
    await stopLocalKafka({ port });
    process.stdout.write('Kafka stopped\n');
  }
}
