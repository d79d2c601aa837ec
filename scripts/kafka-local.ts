// npm run kafka:up / kafka:down: a single-node Apache Kafka (KRaft) on 127.0.0.1 for development and tests.
// With a Docker engine it runs the docker-compose.yml service; otherwise Apache Kafka's own jars from Maven
// Central (org.apache.kafka:kafka_2.13 and its dependencies, fetched once into .cache/kafka) on Java 17+.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';

export const KAFKA_VERSION = '4.4.0';
/**
 * The SLF4J API the broker logs through. Kafka's own dependencies resolve slf4j-api 1.7.36, which cannot
 * find the log4j-slf4j2-impl binding (an SLF4J 2 provider): SLF4J fell back to NOP and the broker's log
 * was empty, even when it failed to start. Pinned here, nearest in the pom, it wins.
 */
export const SLF4J_VERSION = '2.0.17';
const root = path.join(import.meta.dirname, '..');
const cacheDir = path.join(root, '.cache', 'kafka');
const runDir = path.join(cacheDir, 'run');
const libDir = path.join(cacheDir, KAFKA_VERSION, 'libs');

export interface LocalKafka {
  brokers: string;
  mode: 'docker' | 'jars';
  /** the jar broker's log file (its stdout and stderr; log4j at WARN, plus the server's start and stop) */
  log?: string;
  /** host:port of the SASL_SSL listener, when one was asked for */
  saslSslBrokers?: string;
}

/**
 * A SASL_SSL listener beside the PLAINTEXT one (which stays as it is): SCRAM-SHA-512 over TLS, as managed
 * clusters require. The broker's certificate and key are PEM files (the key unencrypted PKCS#8, the file of
 * the certificate holding its chain); the users are written into the cluster metadata when the storage is
 * formatted, so a broker with this listener always starts from fresh data.
 */
export interface SaslSslListener {
  port: number;
  /** PEM: the broker's certificate, then the certificates of the chain up to the CA */
  certificateChain: string;
  /** PEM: the broker's private key, unencrypted PKCS#8 (BEGIN PRIVATE KEY) */
  privateKey: string;
  /** PEM: the CAs whose client certificates the broker accepts (ssl.client.auth=requested); none asked otherwise */
  clientCa?: string;
  /** SCRAM-SHA-512 users */
  users: readonly { name: string; password: string }[];
}

export interface LocalKafkaOptions {
  /** the PLAINTEXT listener (default 9092); the controller listens on port + 1 */
  port?: number;
  saslSsl?: SaslSslListener;
  /** the jar broker is stopped (SIGTERM, then SIGKILL 10 s later) after this many seconds, whatever happens to the process that started it */
  lifetimeSeconds?: number;
}

function dockerEngineRuns(): boolean {
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

/** Fetches kafka_2.13 and its runtime dependencies with Maven into .cache/kafka/<version>/libs, once. */
export function fetchKafkaJars(): string {
  const wanted = [`kafka_2.13-${KAFKA_VERSION}.jar`, `slf4j-api-${SLF4J_VERSION}.jar`];
  if (existsSync(libDir) && wanted.every((jar) => existsSync(path.join(libDir, jar)))) return libDir;
  // an older fetch (slf4j-api 1.7.36 among the jars): fetched again whole, or both APIs would be on the class path
  rmSync(libDir, { recursive: true, force: true });
  const pomDir = path.join(cacheDir, KAFKA_VERSION, 'pom');
  mkdirSync(pomDir, { recursive: true });
  writeFileSync(
    path.join(pomDir, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId><artifactId>kafka-local</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>${SLF4J_VERSION}</version></dependency>
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

/** The broker's log4j: warnings and errors, and the server's own start and stop lines. */
const LOG4J = [
  'rootLogger.level=WARN',
  'rootLogger.appenderRef.stdout.ref=STDOUT',
  'appender.stdout.type=Console',
  'appender.stdout.name=STDOUT',
  'appender.stdout.layout.type=PatternLayout',
  'appender.stdout.layout.pattern=[%d] %p %m (%c)%n',
  'logger.server.name=kafka.server.KafkaRaftServer',
  'logger.server.level=INFO',
  '',
].join('\n');

function java(args: string[], options: { detached?: boolean; log?: string; lifetimeSeconds?: number } = {}) {
  const cp = `${libDir}/*`;
  const log4j = path.join(runDir, 'log4j2.properties');
  const base = ['-Xms256m', '-Xmx512m', `-Dlog4j2.configurationFile=${log4j}`, '-cp', cp];
  if (options.detached) {
    const out = openSync(options.log as string, 'a');
    // coreutils timeout passes a SIGTERM it is sent on to java, so stopLocalKafka stops it as it stops java
    const [command, prefix] = options.lifetimeSeconds === undefined ? ['java', []] : ['timeout', ['--kill-after=10', String(options.lifetimeSeconds), 'java']];
    const child = spawn(command, [...prefix, ...base, ...args], { detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    return child;
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

/** A PEM file's text as one line of a .properties file (its line breaks as \n, which Properties reads back). */
const pemProperty = (file: string) => readFileSync(file, 'utf8').trim().replace(/\r?\n/g, '\\n');

/**
 * A SCRAM-SHA-512 credential as kafka-storage format --add-scram takes it, salted here (RFC 5802 Hi, which is
 * PBKDF2 with HMAC-SHA-512), so that the password itself is never on a command line.
 */
export function scramCredential(name: string, password: string, iterations = 4096): string {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`a SCRAM user name of letters, digits, ".", "_", "-": ${JSON.stringify(name)}`);
  const salt = randomBytes(24);
  const salted = pbkdf2Sync(password, salt, iterations, 64, 'sha512');
  return `SCRAM-SHA-512=[name=${name},iterations=${iterations},salt="${salt.toString('base64')}",saltedpassword="${salted.toString('base64')}"]`;
}

/** The lines of server.properties for a SASL_SSL listener (SCRAM-SHA-512), its TLS material inline as PEM. */
function saslSslProperties(listener: SaslSslListener): string[] {
  const prefix = 'listener.name.sasl_ssl.';
  return [
    `${prefix}sasl.enabled.mechanisms=SCRAM-SHA-512`,
    `${prefix}scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
    `${prefix}ssl.keystore.type=PEM`,
    `${prefix}ssl.keystore.certificate.chain=${pemProperty(listener.certificateChain)}`,
    `${prefix}ssl.keystore.key=${pemProperty(listener.privateKey)}`,
    ...(listener.clientCa === undefined
      ? []
      : [`${prefix}ssl.truststore.type=PEM`, `${prefix}ssl.truststore.certificates=${pemProperty(listener.clientCa)}`, `${prefix}ssl.client.auth=requested`]),
  ];
}

/** The last lines of a log file without Java's stack frames, for an error that says why a broker did not start. */
function logTail(file: string, lines = 15): string {
  if (!existsSync(file)) return '(no log)';
  const text = readFileSync(file, 'utf8').trimEnd().split('\n');
  return text.filter((line) => !/^\s+(at |\.\.\. \d+ more)/.test(line)).slice(-lines).join('\n');
}

/**
 * Starts the broker (or finds it running) and resolves when it accepts connections. With `saslSsl` it is always
 * a jar broker of its own, started afresh (a broker already on one of its ports is an error, not reused).
 */
export async function startLocalKafka(options: LocalKafkaOptions = {}): Promise<LocalKafka> {
  const port = options.port ?? 9092;
  const brokers = `127.0.0.1:${port}`;
  const { saslSsl } = options;
  if (saslSsl !== undefined) {
    for (const p of [port, port + 1, saslSsl.port]) if (await portAnswers(p)) throw new Error(`port ${p} is in use: a broker with a SASL_SSL listener starts afresh on free ports`);
  } else {
    if (await portAnswers(port)) return { brokers, mode: existsSync(pidFileOf(port)) ? 'jars' : 'docker' };
    if (dockerEngineRuns()) {
      const r = spawnSync('docker', ['compose', '-f', path.join(root, 'docker-compose.yml'), 'up', '-d', 'kafka'], { stdio: 'inherit' });
      if (r.status !== 0) throw new Error('docker compose up kafka failed');
      await waitForPort(port, 120_000);
      return { brokers, mode: 'docker' };
    }
  }
  fetchKafkaJars();
  mkdirSync(runDir, { recursive: true });
  const dataDir = path.join(runDir, `data-${port}`);
  const config = path.join(runDir, `server-${port}.properties`);
  const log = path.join(runDir, `kafka-${port}.log`);
  const controllerPort = port + 1;
  // the SCRAM users are written when the storage is formatted: a SASL_SSL broker formats afresh
  if (saslSsl !== undefined) rmSync(dataDir, { recursive: true, force: true });
  writeFileSync(path.join(runDir, 'log4j2.properties'), LOG4J);
  const listeners = [`PLAINTEXT://127.0.0.1:${port}`, ...(saslSsl === undefined ? [] : [`SASL_SSL://127.0.0.1:${saslSsl.port}`])];
  writeFileSync(
    config,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=${[...listeners, `CONTROLLER://127.0.0.1:${controllerPort}`].join(',')}`,
      `advertised.listeners=${listeners.join(',')}`,
      'controller.listener.names=CONTROLLER',
      `listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT${saslSsl === undefined ? '' : ',SASL_SSL:SASL_SSL'}`,
      'inter.broker.listener.name=PLAINTEXT',
      ...(saslSsl === undefined ? [] : saslSslProperties(saslSsl)),
      `log.dirs=${dataDir}`,
      'num.partitions=6',
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=false',
      '',
    ].join('\n'),
    // it holds the broker's private key when there is a SASL_SSL listener
    { mode: 0o600 },
  );
  if (!existsSync(path.join(dataDir, 'meta.properties'))) {
    // a base64url UUID, as kafka-storage random-uuid prints; like Kafka's Uuid.randomUuid, never one
    // starting with "-" (the tool would read it as an option; passed as --cluster-id=ID as well)
    let clusterId = randomBytes(16).toString('base64url');
    while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
    const scram = (saslSsl?.users ?? []).flatMap((u) => ['--add-scram', scramCredential(u.name, u.password)]);
    const r = java(['kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '--config', config, ...scram]) as ReturnType<typeof spawnSync>;
    if (r.status !== 0) throw new Error(`kafka storage format failed: ${String(r.stderr || r.stdout)}`);
  }
  const child = java(['kafka.Kafka', config], { detached: true, log, lifetimeSeconds: options.lifetimeSeconds }) as ChildProcess;
  child.unref();
  writeFileSync(pidFileOf(port), String(child.pid));
  try {
    for (const p of [port, ...(saslSsl === undefined ? [] : [saslSsl.port])]) await waitForPort(p, 120_000, child, log);
  } catch (error) {
    await stopLocalKafka({ port, keepData: true });
    throw error;
  }
  return { brokers, mode: 'jars', log, ...(saslSsl === undefined ? {} : { saslSslBrokers: `127.0.0.1:${saslSsl.port}` }) };
}

/** Waits until the port answers; a broker that exits first (or never answers) fails with the end of its log. */
async function waitForPort(port: number, timeoutMs: number, child?: ChildProcess, log?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await portAnswers(port)) return;
    if (child !== undefined && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`Kafka exited (${child.exitCode ?? child.signalCode}) before it answered on 127.0.0.1:${port}; the end of ${log}:\n${logTail(log as string)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Kafka did not answer on 127.0.0.1:${port} within ${timeoutMs / 1000} s; the end of ${log ?? runDir}:\n${log === undefined ? '' : logTail(log)}`);
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
      // the whole process group: java, and coreutils timeout when it runs java (both spawned detached, as its leader)
      process.kill(-pid, 'SIGKILL');
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
