import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fetchKafkaJars } from '../../scripts/kafka-local.ts';

const root = path.join(import.meta.dirname, '..', '..');

/** Debian's Python, which has python3-snappy (not the pyenv one that may come first on PATH). */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Runs a command to its end and gives its standard output; throws with its standard error when it fails. */
export function runTool(command: string, args: readonly string[], input?: Buffer | string, timeoutMs = 120_000): Buffer {
  const r = spawnSync(command, args, { input, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
  if (r.error !== undefined) throw r.error;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${r.status ?? r.signal}: ${String(r.stderr).slice(0, 2000)}`);
  return r.stdout;
}

let ensured = false;
/** Installs kcat, lz4, zstd, gzip and python3-snappy from Debian when missing (scripts/ensure-kafka-clients.sh), once per process. */
export function ensureKafkaClients(): void {
  if (ensured) return;
  runTool('bash', [path.join(root, 'scripts', 'ensure-kafka-clients.sh')], undefined, 600_000);
  ensured = true;
}

/** Runs a class of Apache Kafka's jars (fetched once into .cache/kafka) on the machine's Java. */
export function runKafkaJava(args: readonly string[], input?: Buffer | string): Buffer {
  const classpath = `${fetchKafkaJars()}/*`;
  return runTool('java', ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Dlog4j2.level=error', '-cp', classpath, ...args], input);
}

/** The Java source that compresses a file with Apache Kafka's own codecs (test/helpers/kafka-compress.java). */
export const KAFKA_COMPRESS_JAVA = path.join(import.meta.dirname, 'kafka-compress.java');
